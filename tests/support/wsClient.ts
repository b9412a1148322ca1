import WebSocket from 'ws'

export interface Frame { type: string, [key: string]: unknown }

/** A test client over a real socket: `next()` returns the next frame, as in crossws's own tests. */
export interface WsClient {
  ws: WebSocket
  /** The next frame (of the given type, skipping others), within `timeoutMs`. */
  next(type?: string, timeoutMs?: number): Promise<Frame>
  send(frame: object | string): void
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number, reason: string }>
  close(): void
  /** Pings every `everyMs` so the server's liveness sweep leaves this client alone; returns the undo. */
  keepAlive(everyMs?: number): () => void
}

export interface ConnectOptions {
  cookie?: string
  origin?: string | null
  protocols?: string[]
  /** The local address to connect from (e.g. 127.0.0.2: another client address on loopback). */
  localAddress?: string
}

/** Rejection of an upgrade as a Node client sees it: the HTTP status and body. */
export class UpgradeRefused extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`upgrade refused with ${status}: ${body}`)
  }
}

export function wsConnect(url: string, { cookie, origin, protocols = ['jizhan.v1'], localAddress }: ConnectOptions = {}): Promise<WsClient> {
  const headers: Record<string, string> = {}
  if (cookie) headers.cookie = cookie
  if (origin !== null) headers.origin = origin ?? new URL(url.replace(/^ws/, 'http')).origin
  const ws = new WebSocket(url, protocols, { headers, localAddress })
  const queue: Frame[] = []
  const keepAlives: Array<() => void> = []
  const waiters: Array<() => void> = []
  ws.on('message', (data) => {
    queue.push(JSON.parse(data.toString()))
    for (const w of waiters.splice(0)) w()
  })
  const closed = new Promise<{ code: number, reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() })
      for (const w of waiters.splice(0)) w()
    })
  })

  const client: WsClient = {
    ws,
    closed,
    async next(type, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const index = queue.findIndex(f => !type || f.type === type)
        if (index >= 0) return queue.splice(index, 1)[0]!
        const left = deadline - Date.now()
        if (left <= 0 || ws.readyState === WebSocket.CLOSED) {
          throw new Error(`no ${type ?? 'frame'} within ${timeoutMs} ms; queued: ${JSON.stringify(queue.map(f => f.type))}`)
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
    send(frame) {
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
    },
    close() {
      for (const stop of keepAlives.splice(0)) stop()
      ws.close()
    },
    keepAlive(everyMs = 150) {
      const timer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), everyMs)
      const stop = () => clearInterval(timer)
      keepAlives.push(stop)
      ws.once('close', stop)
      return stop
    },
  }

  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve(client))
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk))
      res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)))
    })
    ws.on('error', reject)
  })
}

/**
 * A signed-in socket ready for live traffic: welcome read, pinging every 300 ms, resumed from
 * `cursor` (the stream head when not given) and synced. Returns the welcome too.
 */
export async function connectSynced(url: string, cookie: string, cursor?: number): Promise<{ client: WsClient, welcome: Frame }> {
  const client = await wsConnect(url, { cookie })
  const welcome = await client.next('welcome')
  client.keepAlive(300)
  client.send({ type: 'resume', cursor: cursor ?? welcome.head })
  await client.next('synced')
  return { client, welcome }
}

/** The presence frames that arrive until `quietMs` pass without one. */
export async function presenceFrames(client: WsClient, quietMs = 300): Promise<Frame[]> {
  const frames: Frame[] = []
  for (;;) {
    try {
      frames.push(await client.next('presence', quietMs))
    }
    catch {
      return frames
    }
  }
}

/** What a presence frame says of one user: true (came online), false (went offline) or undefined (nothing). */
export function presenceOfUser(frame: Frame, userId: number): boolean | undefined {
  const has = (list: unknown) => (list as Array<{ id: number }> | undefined)?.some(u => u.id === userId) ?? false
  if (has(frame.online)) return true
  if (has(frame.offline)) return false
  return undefined
}

/** Waits for a presence frame saying that `userId` came online (`online`) or went offline. */
export async function nextPresenceOf(client: WsClient, userId: number, online: boolean, timeoutMs?: number): Promise<Frame> {
  for (;;) {
    const frame = await client.next('presence', timeoutMs)
    if (presenceOfUser(frame, userId) === online) return frame
  }
}
