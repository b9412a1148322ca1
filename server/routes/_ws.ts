import type { Peer } from 'crossws'
import { CloseCode, parseClientFrame } from '#shared/protocol'
import type { ClientFrame, Parsed } from '#shared/protocol'
import type { Connection } from '../utils/pool'
import type { TokenBucket } from '../utils/rateLimit'

/**
 * The base station's socket. Hooks only wire: upgrade authenticates, open registers, message parses
 * and dispatches, close unregisters. Every hook is guarded: an exception inside one would otherwise
 * become an unhandled rejection with the socket left open.
 */

interface PeerState {
  conn: Connection
  /** Frames of one connection are handled one after another, so async work cannot reorder them. */
  queue: Promise<void>
  /** A resume is queued or running: another one before it ends is refused, not queued. */
  resuming: boolean
  /** Invalid frames since the last valid one. */
  invalidInARow: number
  /** This connection's frame budget, and how many frames in a row it refused. */
  frames: TokenBucket
  limitedInARow: number
}
const states = new WeakMap<Peer, PeerState>()

function connectionFor(peer: Peer, identity: Identity): Connection {
  const maxBuffered = wsMaxBufferedBytes()
  const conn: Connection = {
    id: peer.id,
    user: identity.user,
    sessionHash: identity.sessionHash,
    sessionExpiresAt: identity.sessionExpiresAt,
    lastSeenAt: Date.now(),
    closed: false,
    stream: new StreamCursor(),
    send: (text) => {
      if (conn.closed) return
      peer.send(text)
      // A client that stops reading must not make the server's memory grow without bound: past
      // the cap it is cut off. Nothing is lost: it resumes from its cursor when it comes back.
      if ((peer.websocket.bufferedAmount ?? 0) > maxBuffered) disconnect(conn, CloseCode.SlowConsumer, 'slow consumer')
    },
    close: (code, reason) => peer.close(code, reason),
    terminate: () => peer.terminate(),
    enqueue: (job) => {
      const state = states.get(peer)
      if (!state) return
      state.queue = state.queue.then(job).catch((error) => {
        console.error('[ws] catch-up failed', error)
        // Its stream would stay on hold: make the client reconnect and resume instead.
        disconnect(conn, 1011, 'internal error')
      })
    },
    idle: () => states.get(peer)?.queue ?? Promise.resolve(),
  }
  return conn
}

/**
 * Spends one frame of the connection's budget. Over it, the frame is answered with `rate_limited`
 * and not processed; a client that keeps going regardless is closed with 4029.
 */
function rateAllows(state: PeerState, now: number): boolean {
  if (state.frames.take(now)) {
    state.limitedInARow = 0
    return true
  }
  refuseOverLimit(state, 'Too many frames; slow down.')
  return false
}

function refuseOverLimit(state: PeerState, message: string, cid?: string): void {
  if (++state.limitedInARow > MAX_LIMITED_IN_A_ROW) return disconnect(state.conn, CloseCode.RateLimited, 'rate limited')
  sendErrorFrame(state.conn, 'rate_limited', message, cid)
}

export default defineWebSocketHandler({
  async upgrade(request) {
    let result: Identity | Response
    try {
      result = await authenticateUpgrade(request)
    }
    catch (error) {
      console.error('[ws] upgrade failed', error)
      result = new Response('Internal error', { status: 500 })
    }
    // Refuse by throwing a Response: crossws 0.3 and 0.4 both turn it into that HTTP status.
    if (result instanceof Response) throw result
    request.context.identity = result
  },

  open(peer) {
    try {
      const identity = peer.context.identity as Identity | undefined
      if (!identity) return peer.close(1011, 'no identity')
      const conn = connectionFor(peer, identity)
      // Joining is the first job of the connection's queue: frames wait until the welcome is out.
      const queue = join(conn).then(async () => {
        // A sign-out between this upgrade's check and now would otherwise leave the socket open.
        if (!await isSessionActive(conn.sessionHash)) closeSessionsHere([conn.sessionHash])
      }).catch((error) => {
        console.error('[ws] join failed', error)
        disconnect(conn, 1011, 'internal error')
      })
      states.set(peer, { conn, queue, resuming: false, invalidInARow: 0, frames: newFrameBucket(Date.now()), limitedInARow: 0 })
    }
    catch (error) {
      console.error('[ws] open failed', error)
      peer.close(1011, 'internal error')
    }
  },

  message(peer, message) {
    const state = states.get(peer)
    // A connection that left (sign-out, liveness, close) is not acted on any more.
    if (!state || state.conn.closed) return
    try {
      const now = Date.now()
      state.conn.lastSeenAt = now
      if (!rateAllows(state, now)) return
      const binary = (peer.websocket as unknown as Record<symbol, boolean | undefined>)[BINARY_FLAG] === true
      const parsed: Parsed<ClientFrame> = binary
        ? { ok: false, code: 'binary_unsupported', message: 'Binary frames are not part of the protocol; send JSON text frames.' }
        : parseClientFrame(message.text())
      // A client that sends nothing but garbage is cut off rather than answered for ever.
      state.invalidInARow = parsed.ok ? 0 : state.invalidInARow + 1
      if (state.invalidInARow > wsMaxInvalidFrames()) return disconnect(state.conn, 1008, 'too many invalid frames')
      if (parsed.ok && parsed.frame.type === 'send' && !useLimiters().messages.take(String(state.conn.user.id), now)) {
        return refuseOverLimit(state, 'Too many messages; slow down and send it again.', parsed.frame.cid)
      }
      const isResume = parsed.ok && parsed.frame.type === 'resume'
      if (isResume && state.resuming) {
        return sendErrorFrame(state.conn, 'bad_frame', 'A resume is already in progress; wait for synced.')
      }
      if (isResume) state.resuming = true
      // Answers go through the queue too, so they come back in the order the frames came in.
      state.queue = state.queue.then(async () => {
        // SQLite answers synchronously: yield once per frame, or a burst from one client would hold
        // the event loop (every other connection, and the reading of its own pings) until it ends.
        await new Promise(resolve => setImmediate(resolve))
        // Closed meanwhile (drain, sign-out, limits): not acted on; the client resends what is unacknowledged.
        if (state.conn.closed) return
        if (!parsed.ok) return sendErrorFrame(state.conn, parsed.code, parsed.message, parsed.cid)
        await handleFrame(state.conn, parsed.frame)
      }).catch((error) => {
        console.error('[ws] frame failed', error)
        // A client whose resume failed would wait for `synced` forever: make it reconnect instead.
        if (isResume) return disconnect(state.conn, 1011, 'resume failed')
        sendErrorFrame(state.conn, 'internal', 'The server failed to process the frame; it was not processed.',
          parsed.ok && parsed.frame.type === 'send' ? parsed.frame.cid : undefined)
      }).finally(() => {
        if (isResume) state.resuming = false
      })
    }
    catch (error) {
      console.error('[ws] message failed', error)
    }
  },

  close(peer) {
    const state = states.get(peer)
    if (!state) return
    states.delete(peer)
    leave(state.conn)
  },

  error(peer, error) {
    console.error('[ws] socket error', peer.id, error)
  },
})
