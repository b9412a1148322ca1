import { defineNitroConfig } from 'nitropack/config'

// The bare Nitro relay: same framework and WebSocket layer (crossws 0.3) as Jizhan, none of its
// guarantees. Built by bench/lib/build.mjs into ./.output (gitignored).
export default defineNitroConfig({
  experimental: { websocket: true },
  preset: 'node-server',
  srcDir: '.',
  output: { dir: '.output' },
  buildDir: '.nitro',
})
