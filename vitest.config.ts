import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `#shared` is Nuxt's alias for the protocol folder; plain-node test layers need it too. Server
// modules read their settings through Nitro's `#imports`: in plain Node, a stub with the defaults.
const alias = {
  '#shared': fileURLToPath(new URL('./shared', import.meta.url)),
  '#imports': fileURLToPath(new URL('./tests/support/nitroImports.ts', import.meta.url)),
  '#sqlite-writer-source': fileURLToPath(new URL('./tests/support/sqliteWriterSource.ts', import.meta.url)),
}

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        resolve: { alias },
        test: { name: 'store', include: ['tests/store/**/*.test.ts'], environment: 'node' },
      },
      {
        // Storage against a real database: SQLite, or PostgreSQL under `npm run test:cluster`.
        resolve: { alias },
        test: { name: 'storage', include: ['tests/storage/**/*.test.ts'], environment: 'node' },
      },
      {
        resolve: { alias },
        test: {
          name: 'contract',
          include: ['tests/contract/**/*.test.ts'],
          environment: 'node',
          // Each file starts the built server (.output) once; suites inside run serially against it.
          testTimeout: 20_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
      {
        resolve: { alias },
        test: {
          // Several instances behind nginx on PostgreSQL and Redis: run by `npm run test:cluster`.
          name: 'cluster',
          include: ['tests/cluster/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
      {
        resolve: { alias },
        test: {
          // `nuxi dev` as developers run it, with browsers killed while connected (~1.5 min).
          name: 'dev',
          include: ['tests/dev/**/*.test.ts'],
          environment: 'node',
          testTimeout: 240_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
