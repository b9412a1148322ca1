// A private temp folder for one test run. Every process of the run gets it as TMPDIR (os.tmpdir()),
// so whatever the tests leave behind lands here, apart from other runs on the same machine: each
// test removes the `jizhan-*` folders it makes, and a run that leaves one fails.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function createRunTmp() {
  return mkdtempSync(join(tmpdir(), 'jizhan-run-'))
}

/** Removes the run's folder; returns the `jizhan-*` entries the tests left in it. */
export function finishRunTmp(dir) {
  const left = readdirSync(dir).filter(name => name.startsWith('jizhan-'))
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  return left
}
