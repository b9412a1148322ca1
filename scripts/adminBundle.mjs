// The operator's command line (server/admin/bin.ts and the server code it shares) as one ES module,
// bundled by esbuild: Node 20 cannot run TypeScript. The native and network packages stay outside
// and are loaded from the node_modules next to the file: the project's for `npm run admin`
// (scripts/admin.mjs), the build's own .output/server/node_modules for `node .output/server/admin.mjs`
// (written at the end of `nuxi build` by nuxt.config.ts). Anything of Nitro's runtime (#imports) in
// what it imports fails the bundle, loudly: the command line must run outside the server.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

export const ADMIN_EXTERNALS = ['better-sqlite3', 'pg', 'pg-native', '@node-rs/argon2', 'ioredis']

export async function buildAdmin(outfile) {
  await build({
    entryPoints: [fileURLToPath(new URL('../server/admin/bin.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    alias: { '#shared': fileURLToPath(new URL('../shared', import.meta.url)) },
    external: ADMIN_EXTERNALS,
    // Bundled CommonJS code may require() Node's own modules.
    banner: { js: 'import { createRequire as __createRequire } from \'node:module\'; const require = __createRequire(import.meta.url);' },
    logLevel: 'error',
  })
}
