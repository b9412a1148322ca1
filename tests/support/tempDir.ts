import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A fresh folder in the OS temp folder, named `jizhan-<what>-XXXXXX`. Whoever makes one removes it
 * with removeTempDir, after stopping every process that writes to it: `npm test` fails when a run
 * leaves a `jizhan-*` folder behind.
 */
export function makeTempDir(what: string): string {
  return mkdtempSync(join(tmpdir(), `jizhan-${what}-`))
}

/** Removes a folder made by makeTempDir. Stop the processes writing to it first. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
}
