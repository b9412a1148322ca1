import { createNodeClient } from '../../tests/support/nodeClient'
import type { TestUser } from '../../tests/support/accounts'
import { serveCommands } from '../lib/workers.mjs'

/**
 * A reconnect-storm generator process: real browser-tab logic (the Pinia connection and chat
 * stores, with their heartbeat, backoff with full jitter and resume) running in Node, many tabs per
 * process. Bundled by bench/lib/build.mjs (esbuild) because the stores are TypeScript. Commands:
 *   {cmd:'start', url, users, options} → every client connected and synced → {ready}
 *   {cmd:'arm'}                        → from now on record each client's next welcome and synced
 *   {cmd:'wait', timeoutMs}            → when all are synced again → {welcomes, synced, attempts}
 *   {cmd:'stop'}
 */
type Client = ReturnType<typeof createNodeClient>
let clients: Client[] = []
let welcomes: number[] = []
let armedAt = 0
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

async function waitAll(check: (c: Client, i: number) => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (clients.every(check)) return true
    await sleep(50)
  }
  return false
}

const commands: Record<string, (msg: Record<string, unknown>) => Promise<unknown>> = {
  async start(msg) {
    const users = msg.users as TestUser[]
    clients = users.map(user => createNodeClient(msg.url as string, user, msg.options as Record<string, number>))
    welcomes = clients.map(() => 0)
    clients.forEach((c, i) => c.connection.onFrame((f) => {
      if (f.type === 'welcome' && armedAt && !welcomes[i]) welcomes[i] = Date.now()
    }))
    armedAt = 0
    // Set up at a pace the server takes (about 1,000 handshakes/s over 4 workers): all at once,
    // the set-up itself would be a storm without jitter, and its connect timeouts would retry.
    for (let i = 0; i < clients.length; i += 25) {
      for (const c of clients.slice(i, i + 25)) c.connection.connect()
      await sleep(100)
    }
    if (!await waitAll(c => c.chat.synced, 120_000)) throw new Error('storm clients did not all sync')
    return { ready: clients.length }
  },
  async arm() {
    armedAt = Date.now()
    return { ok: true }
  },
  async wait(msg) {
    const synced = clients.map(() => 0)
    let maxAttempt = 0
    // Synced again = a welcome after the kill, then `synced` (the old link's flag drops on close).
    const back = (c: Client, i: number) => {
      maxAttempt = Math.max(maxAttempt, c.connection.attempt)
      if (!synced[i] && welcomes[i] && c.chat.synced) synced[i] = Date.now()
      return synced[i] > 0
    }
    // (By index: an indexOf per client per poll was quadratic, and took the generators' CPU.)
    const ok = await waitAll((c, i) => back(c, i), Number(msg.timeoutMs))
    return { ok, welcomes, synced, maxAttempt, armedAt }
  },
  async stop() {
    for (const c of clients) c.stop()
    clients = []
    return { ok: true }
  },
}

serveCommands(commands)
