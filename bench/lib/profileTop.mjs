#!/usr/bin/env node
import { readFileSync } from 'node:fs'

/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `npm run bench -- --profile`): the
 * functions with the most self time, self time grouped by package or source folder, and the app's
 * own functions by inclusive time (themselves plus what they call synchronously; an async
 * function's continuations after an await count separately, under the same name).
 * Usage: node bench/lib/profileTop.mjs FILE.cpuprofile [N]
 */
const [file, n = '25'] = process.argv.slice(2)
const profile = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(profile.nodes.map(node => [node.id, node]))
const self = new Map()
const dt = profile.timeDeltas
for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0))
const total = [...self.values()].reduce((s, x) => s + x, 0)

function where(url) {
  if (!url) return '(native/V8)'
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)
  if (pkg) return pkg[1]
  if (url.startsWith('node:')) return 'node core'
  const out = url.match(/\.output\/server\/(chunks\/[^/]+|[^/]+)/)
  return out ? `.output/server/${out[1]}` : url.replace(/^file:\/\//, '')
}

const fns = new Map()
const groups = new Map()
for (const [id, us] of self) {
  const { callFrame: cf } = byId.get(id)
  const name = `${cf.functionName || '(anonymous)'} ${where(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`
  fns.set(name, (fns.get(name) ?? 0) + us)
  groups.set(where(cf.url), (groups.get(where(cf.url)) ?? 0) + us)
}
const pct = us => `${((100 * us) / total).toFixed(1)}%`.padStart(6)
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nself time by function:`)
for (const [name, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${pct(us)}  ${name}`)
console.log('\nself time by package / folder:')
for (const [name, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(us)}  ${name}`)

// Inclusive time per function name, each sample counted once per name on its stack.
const parent = new Map()
for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id)
const inclusive = new Map()
for (const [id, us] of self) {
  const seen = new Set()
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const { callFrame: cf } = byId.get(cur)
    if (!cf.url.includes('.output/server') || !cf.functionName) continue
    const name = `${cf.functionName} ${where(cf.url)}`
    if (seen.has(name)) continue
    seen.add(name)
    inclusive.set(name, (inclusive.get(name) ?? 0) + us)
  }
}
console.log('\napp functions by inclusive time:')
for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${pct(us)}  ${name}`)
