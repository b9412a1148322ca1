import { join } from 'node:path'
import { buildAdmin } from './scripts/adminBundle.mjs'
import { sqliteWriterSource } from './scripts/sqliteWriterSource.mjs'
import { runtimeConfigDefaults } from './shared/settings'

// Component tests (vitest.config.ts) load the messages through i18n/inline.config.ts rather than as
// locale files: under vitest's Vite both the i18n module's JSON transform and Vite's JSON plugin
// claim locale files, and the second fails on the first's output (nuxt-modules/i18n#3953).
const inlineMessages = process.env.JIZHAN_I18N_INLINE === '1'

// https://nuxt.com/docs/api/configuration/nuxt-config
export default defineNuxtConfig({
  modules: ['@pinia/nuxt', '@nuxt/eslint', '@nuxtjs/i18n'],
  // Devtools and telemetry would reach the network; the product must run offline.
  devtools: { enabled: false },

  app: {
    // Keep baseURL at '/': a non-root baseURL breaks WebSocket routes in production (nitro#2347).
    head: {
      // The title and <html lang> follow the locale (app.vue).
      title: '基站 Jizhan',
      meta: [{ name: 'viewport', content: 'width=device-width, initial-scale=1' }],
    },
  },
  css: ['~/assets/main.css', '~/assets/theme.css'],

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

  hooks: {
    // A production build carries the operator's command line: `node .output/server/admin.mjs`
    // (docs/operations.md), beside the node_modules it needs.
    'nitro:init'(nitro) {
      nitro.hooks.hook('compiled', async () => {
        if (!nitro.options.dev) await buildAdmin(join(nitro.options.output.serverDir, 'admin.mjs'))
      })
    },
  },

  eslint: {
    config: { stylistic: true },
  },

  // Chinese first: the browser's language (cookie, then Accept-Language, then navigator.languages)
  // picks zh-CN or en, and anything else falls back to zh-CN. URLs carry no locale prefix: the chat
  // is one page whose words change, and links shared between people must not pick their language.
  i18n: {
    locales: [
      { code: 'zh-CN', language: 'zh-CN', name: '简体中文', file: inlineMessages ? undefined : 'zh-CN.json' },
      { code: 'en', language: 'en', name: 'English', file: inlineMessages ? undefined : 'en.json' },
    ],
    vueI18n: inlineMessages ? 'inline.config.ts' : undefined,
    defaultLocale: 'zh-CN',
    strategy: 'no_prefix',
    langDir: inlineMessages ? undefined : 'locales',
    detectBrowserLanguage: { useCookie: true, cookieKey: 'jizhan_locale', cookieSecure: false, redirectOn: 'no prefix', fallbackLocale: 'zh-CN' },
    bundle: { optimizeTranslationDirective: false },
  },
})
