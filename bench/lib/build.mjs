import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'
import { ROOT, SERVERS } from './servers.mjs'

/**
 * Builds what the bench runs, only when out of date: the production Nuxt build (.output), the
 * bare Nitro relay (bench/servers/bare-nitro/.output), and the storm worker bundle (the TypeScript
 * stores, bundled by esbuild into bench/.build). `kinds`: the server kinds of this run; what none
 * of them needs is not built (`--only ws,socketio` builds nothing).
 */
function newest(paths) {
  let latest = 0
  const visit = (p) => {
    if (!existsSync(p)) return
    const s = statSync(p)
    if (s.isDirectory()) for (const f of readdirSync(p)) visit(join(p, f))
    else latest = Math.max(latest, s.mtimeMs)
  }
  paths.forEach(visit)
  return latest
}

function stale(output, sources) {
  return !existsSync(output) || statSync(output).mtimeMs < newest(sources)
}

export async function buildAll({ force = false, log = console.log, kinds = Object.keys(SERVERS) } = {}) {
  const jizhan = kinds.some(k => SERVERS[k].client === 'jizhan')
  const jizhanSources = ['server', 'shared', 'stores', 'utils', 'pages', 'components', 'plugins', 'app.vue', 'nuxt.config.ts', 'package-lock.json'].map(p => join(ROOT, p))
  if (jizhan && (force || stale(join(ROOT, '.output/nitro.json'), jizhanSources))) {
    log('building Jizhan (nuxi build)…')
    execFileSync('npx', ['nuxi', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
  }
  const bare = join(ROOT, 'bench/servers/bare-nitro')
  if (kinds.includes('bare-nitro') && (force || stale(join(bare, '.output/nitro.json'), [join(bare, 'routes'), join(bare, 'nitro.config.ts')]))) {
    log('building the bare Nitro relay (nitropack build)…')
    execFileSync('npx', ['nitropack', 'build'], { cwd: bare, stdio: ['ignore', 'ignore', 'inherit'] })
  }
  if (!jizhan) return
  await build({
    entryPoints: [join(ROOT, 'bench/workers/stormWorker.ts')],
    outfile: join(ROOT, 'bench/.build/stormWorker.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    alias: { '#shared': join(ROOT, 'shared') },
    logLevel: 'warning',
  })
}
