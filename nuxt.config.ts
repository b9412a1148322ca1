import { sqliteWriterSource } from './scripts/sqliteWriterSource.mjs'
import { runtimeConfigDefaults } from './shared/settings'

// https://nuxt.com/docs/api/configuration/nuxt-config
export default defineNuxtConfig({
  modules: ['@pinia/nuxt', '@nuxt/eslint'],
  // Devtools and telemetry would reach the network; the product must run offline.
  devtools: { enabled: false },

  app: {
    // Keep baseURL at '/': a non-root baseURL breaks WebSocket routes in production (nitro#2347).
    head: {
      title: 'Jizhan',
      htmlAttrs: { lang: 'en' },
      meta: [{ name: 'viewport', content: 'width=device-width, initial-scale=1' }],
    },
  },
  css: ['~/assets/main.css'],

  // Every setting, with its default, comes from shared/settings.ts (validated there at start-up);
  // each is overridable at runtime by its NUXT_… / NUXT_PUBLIC_… variable (README lists them all).
  runtimeConfig: runtimeConfigDefaults(),
  compatibilityDate: '2025-07-15',

  nitro: {
    experimental: { websocket: true },
    // The SQLite writer thread runs from source (server/chat/storage/sqlite/writer.ts).
    virtual: { '#sqlite-writer-source': () => `export default ${JSON.stringify(sqliteWriterSource())}` },
  },

  typescript: {
    strict: true,
  },
  telemetry: false,

  eslint: {
    config: { stylistic: true },
  },
})
