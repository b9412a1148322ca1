import { fileURLToPath } from 'node:url'
import { defineVitestProject } from '@nuxt/test-utils/config'
import { defineConfig } from 'vitest/config'

// `#shared` is Nuxt's alias for the protocol folder; plain-node test layers need it too. Server
// modules read their settings through Nitro's `#imports`: in plain Node, a stub with the defaults.
const alias = {
  '#shared': fileURLToPath(new URL('./shared', import.meta.url)),
  '#imports': fileURLToPath(new URL('./tests/support/nitroImports.ts', import.meta.url)),
  '#sqlite-writer-source': fileURLToPath(new URL('./tests/support/sqliteWriterSource.ts', import.meta.url)),
}

// Vue components mounted in a Nuxt runtime (happy-dom), with the app's plugins and i18n. The
// messages are read through one config file there (nuxt.config.ts says why); the variable is set only
// while Nuxt loads for this project, so servers the other projects start never see it.
process.env.JIZHAN_I18N_INLINE = '1'
const componentProject = await defineVitestProject({
  test: {
    name: 'component',
    include: ['tests/components/**/*.test.ts'],
    environment: 'nuxt',
    environmentOptions: { nuxt: { domEnvironment: 'happy-dom' } },
  },
})
delete process.env.JIZHAN_I18N_INLINE

export default defineConfig({
  test: {
    projects: [
      componentProject,
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
