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

  // Every value here is overridable at runtime by an environment variable (NUXT_…, NUXT_PUBLIC_…);
  // README.md lists them all.
  runtimeConfig: {
    /** Folder for the SQLite file and the generated session secret. */
    dataDir: '.data',
    /** postgres://… to store accounts, messages and streams in PostgreSQL instead of SQLite. */
    databaseUrl: '',
    /** Secret for session ids; generated once into dataDir when empty. */
    sessionSecret: '',
    /** Session lifetime in seconds (30 days). */
    sessionMaxAgeSeconds: 60 * 60 * 24 * 30,
    /** Lifetime of a WebSocket ticket for non-browser clients. */
    ticketTtlSeconds: 60,
    /** Extra origins allowed to open the WebSocket, comma-separated; the app's own origin always is. */
    allowedOrigins: '',
    /** Client ping interval and the time a pong may take (engine.io uses 25 s / 20 s, Centrifugo 25 s). */
    heartbeatIntervalMs: 25_000,
    heartbeatTimeoutMs: 10_000,
    /** Largest WebSocket frame accepted, in bytes (ws's own default is 100 MiB). */
    wsMaxFrameBytes: 64 * 1024,
    /** Invalid frames in a row before the connection is closed with 1008. */
    wsMaxInvalidFrames: 10,
    /** Frames per connection: sustained rate and burst (token bucket). */
    wsFramesPerSecond: 30,
    wsFramesBurst: 60,
    /** Messages per user, across all of their connections. */
    messagesPerSecond: 10,
    messagesBurst: 30,
    /** Bytes waiting to be sent to one socket before it counts as a slow consumer and is closed. */
    wsMaxBufferedBytes: 1024 * 1024,
    /** Open sockets per user (per server instance). */
    wsMaxConnectionsPerUser: 20,
    /** WebSocket upgrade attempts per client address. */
    upgradesPerSecond: 10,
    upgradesBurst: 60,
    /** Sign-in and registration attempts: per username and per client address (per minute). */
    loginAttemptsPerUsernamePerMinute: 10,
    loginAttemptsPerAddressPerMinute: 60,
    /** redis://… to run several instances behind one address: relay, presence and sign-outs go through Redis. */
    redisUrl: '',
    /** Prefix of the Redis keys and channel, so several deployments can share one Redis. */
    redisPrefix: 'jizhan:',
    /** An instance's presence lease; a crashed instance's users go offline within about 4/3 of it. */
    redisLeaseMs: 15_000,
    /** On SIGTERM, sockets are closed (1012) at random moments within this window so reconnects spread. */
    shutdownDrainMs: 5_000,
    /** Trust X-Forwarded-For from a reverse proxy for the client address (per-address limits). */
    trustProxy: false,
    public: {
      /** Reconnect backoff: full jitter over min(cap, base · 2^attempt). */
      reconnectBaseMs: 1_000,
      reconnectCapMs: 30_000,
      /** Failed attempts in a row before the client stops and offers Retry. */
      reconnectMaxAttempts: 10,
      /** Time from opening a socket to its welcome before the attempt counts as failed. */
      connectTimeoutMs: 10_000,
    },
  },
  compatibilityDate: '2025-07-15',

  nitro: {
    experimental: { websocket: true },
  },

  typescript: {
    strict: true,
  },
  telemetry: false,

  eslint: {
    config: { stylistic: true },
  },
})
