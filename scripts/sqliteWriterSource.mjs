// The SQLite writer thread's code as one CommonJS string (server/chat/storage/sqlite/writerThread.ts
// and what it imports, bundled by esbuild), for `new Worker(source, { eval: true })`: the thread
// needs no file of its own next to the Nitro bundle, so the build stays one relocatable folder.
// nuxt.config.ts serves it to the server as the virtual module `#sqlite-writer-source`; the unit
// tests get it through vitest's alias.
import { buildSync } from 'esbuild'
import { fileURLToPath } from 'node:url'

export function sqliteWriterSource() {
  const result = buildSync({
    entryPoints: [fileURLToPath(new URL('../server/chat/storage/sqlite/writerThread.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    alias: { '#shared': fileURLToPath(new URL('../shared', import.meta.url)) },
    // better-sqlite3 is required at run time from the path the main thread resolved.
    external: ['better-sqlite3'],
    logLevel: 'error',
  })
  return result.outputFiles[0].text
}
