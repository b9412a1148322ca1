import type { Peer } from 'crossws'
import { CloseCode, parseClientFrame } from '#shared/protocol'
import type { ClientFrame, Parsed } from '#shared/protocol'
import type { Identity } from '../auth/identity'
import { useLimiters, newFrameBucket } from '../http/limits'
import type { TokenBucket } from '../http/rateLimit'
import { log } from '../infra/log'
import { useSettings } from '../infra/settings'
import { countSent, framesReceived, rateLimited, slowConsumers } from '../metrics/registry'
import { pool } from '../utils/pool'
import type { Connection } from '../utils/pool'
import { sendErrorFrame } from './frames'
import { disconnect } from './membership'
import { GroupCursors } from './groupCursors'
import { StreamCursor } from './stream'

/** Rate-limited frames in a row after which the connection is closed with 4029. */
export const MAX_LIMITED_IN_A_ROW = 100

/** What a frame's work resolves to: sending its answer, run in frame order. */
export type Answer = () => void

/**
 * What a connection does with a valid frame (chat/handleFrame.ts): starts the work and resolves
 * with the answer. Started on arrival once the connection joined, except `resume`, which starts at
 * its turn.
 */
export type FrameHandler = (conn: Connection, frame: ClientFrame) => Promise<Answer>

/**
 * One open socket and everything the server keeps for it: who it is, its place in the user's
 * stream, and its answer queue. A frame's work starts as soon as it arrives (so a burst of messages
 * is stored as one batch, not one batch per round trip), but its answer waits for every earlier
 * frame's answer: whatever the database does, answers go out in frame order. Validation, the frame
 * budget and the invalid-frame count are settled on arrival.
 */
export class PeerConnection implements Connection {
  readonly id: string
  readonly user: Identity['user']
  readonly sessionHash: string
  readonly sessionExpiresAt: number
  lastSeenAt = Date.now()
  /** When it opened (ms), and the frames it received since: for its close's log line. */
  readonly openedAt = this.lastSeenAt
  framesIn = 0
  /** The code this server closed it with, if it was the server that closed it. */
  closedWith: number | undefined
  closed = false
  readonly stream = new StreamCursor()
  readonly groups = new GroupCursors()
  /** The place this socket held under the per-user cap until it joined. */
  readonly reservation: symbol | undefined

  #queue: Promise<void> = Promise.resolve()
  /** A resume is queued or running: another one before it ends is refused, not queued. */
  #resuming = false
  /** Invalid frames since the last valid one. */
  #invalidInARow = 0
  /** This connection's frame budget, and how many frames in a row it refused. */
  readonly #frames: TokenBucket
  #limitedInARow = 0
  /** The connection is to be closed once the answers it owes are out: later frames are ignored. */
  #ending = false
  readonly #maxBuffered: number
  readonly #replayStallMs: number
  readonly #maxInvalid: number

  constructor(private readonly peer: Peer, identity: Identity & { reservation?: symbol }, private readonly handle: FrameHandler) {
    this.id = peer.id
    this.user = identity.user
    this.sessionHash = identity.sessionHash
    this.sessionExpiresAt = identity.sessionExpiresAt
    this.reservation = identity.reservation
    const s = useSettings()
    this.#maxBuffered = s.wsMaxBufferedBytes
    this.#replayStallMs = s.wsReplayStallMs
    this.#maxInvalid = s.wsMaxInvalidFrames
    this.#frames = newFrameBucket(Date.now())
  }

  send(text: string): void {
    if (this.closed) return
    countSent(text)
    const corked = this.#corkForThisTick()
    this.peer.send(text)
    if (!corked) this.#checkBuffered()
  }

  /**
   * A client that stops reading must not make the server's memory grow without bound: past the cap
   * it is cut off. Nothing is lost: it resumes from its cursor when it comes back. (Judged once the
   * tick's frames went to the kernel: what a corked tick holds is not a reader's backlog.)
   */
  #checkBuffered(): void {
    if (!this.closed && this.#pacing === 0 && this.#buffered() > this.#maxBuffered) this.#cutSlowConsumer()
  }

  #cutSlowConsumer(): void {
    slowConsumers.inc()
    disconnect(this, CloseCode.SlowConsumer, 'slow consumer')
  }

  #buffered(): number {
    return this.peer.websocket.bufferedAmount ?? 0
  }

  /** Replays waiting for room: meanwhile the buffer may pass the cap by one batch. */
  #pacing = 0

  async room(): Promise<void> {
    this.#pacing++
    try {
      let last = this.#buffered()
      let progressAt = Date.now()
      while (!this.closed && this.#buffered() > this.#maxBuffered) {
        await new Promise(resolve => setTimeout(resolve, 10))
        const now = this.#buffered()
        if (now < last) progressAt = Date.now()
        last = now
        if (Date.now() - progressAt > this.#replayStallMs) this.#cutSlowConsumer()
      }
    }
    finally {
      this.#pacing--
    }
  }

  close(code: number, reason: string): void {
    this.closedWith ??= code
    this.peer.close(code, reason)
  }

  #corked = false

  /**
   * Frames sent to this socket in one tick leave in one write (writev) instead of one system call
   * each: a recipient of a busy conversation gets several per tick. The TCP socket is ws's
   * `_socket` (ws 8, pinned with crossws 0.3.5); without it frames simply go out one by one.
   */
  #corkForThisTick(): boolean {
    if (this.#corked) return true
    const socket = (this.peer.websocket as { _socket?: { cork(): void, uncork(): void } })._socket
    if (!socket) return false
    this.#corked = true
    socket.cork()
    process.nextTick(() => {
      this.#corked = false
      socket.uncork()
      this.#checkBuffered()
    })
    return true
  }

  terminate(): void {
    this.peer.terminate()
  }

  enqueue(job: () => Promise<void>, what = 'catch-up'): void {
    this.#queue = this.#queue.then(job).catch((err) => {
      log.error('connection job failed', { job: what, user: this.user.id, conn: this.id, err })
      // Its stream could stay on hold: make the client reconnect and resume instead.
      disconnect(this, 1011, 'internal error')
    })
  }

  idle(): Promise<void> {
    return this.#queue
  }

  /** A frame arrived: budget, validation and limits now; its handling and answer in frame order. */
  receive(text: string, binary: boolean): void {
    // A connection that left (sign-out, liveness, close) or is ending is not acted on any more.
    if (this.closed || this.#ending) return
    this.framesIn++
    const now = Date.now()
    this.lastSeenAt = now
    if (!this.#rateAllows(now)) return
    const parsed: Parsed<ClientFrame> = binary
      ? { ok: false, code: 'binary_unsupported', message: 'Binary frames are not part of the protocol; send JSON text frames.' }
      : parseClientFrame(text)
    framesReceived[parsed.ok ? parsed.frame.type : 'invalid'].n++
    // A client that sends nothing but garbage is cut off rather than answered for ever; the error
    // replies it is owed (queued before) go out first.
    this.#invalidInARow = parsed.ok ? 0 : this.#invalidInARow + 1
    if (this.#invalidInARow > this.#maxInvalid) {
      this.#ending = true
      this.enqueue(async () => disconnect(this, 1008, 'too many invalid frames'), 'closing')
      return
    }
    if (parsed.ok && (parsed.frame.type === 'send' || parsed.frame.type === 'groupSend') && !useLimiters().messages.take(String(this.user.id), now)) {
      return this.#refuseOverLimit('Too many messages; slow down and send it again.', parsed.frame.cid)
    }
    const isResume = parsed.ok && parsed.frame.type === 'resume'
    if (isResume && this.#resuming) return sendErrorFrame(this, 'bad_frame', 'A resume is already in progress; wait for synced.')
    if (isResume) this.#resuming = true
    // The work starts now; a resume only at its turn (a replay must follow every earlier answer),
    // and so does every frame that came before the join let this socket in (a socket the join
    // refuses, its session ended or a drain begun, stores nothing).
    const started = parsed.ok && !isResume && pool.has(this) ? this.handle(this, parsed.frame) : undefined
    started?.catch(() => {}) // (handled at its turn, below)
    this.#queue = this.#queue.then(async () => {
      // Work that started is answered even if the socket closed meanwhile: a stored message is
      // relayed in its answer (to the recipient, the sender's other tabs, the cached stream
      // heads); what would go to this socket is dropped (send on a closed connection does nothing).
      if (started) return (await started)()
      // Not started and closed meanwhile (drain, sign-out, limits): not acted on; the client resends
      // what is unacknowledged.
      if (this.closed) return
      if (!parsed.ok) return sendErrorFrame(this, parsed.code, parsed.message, parsed.cid)
      const answer = await this.handle(this, parsed.frame)
      answer()
    }).catch((err) => {
      log.error('frame failed', { frame: parsed.ok ? parsed.frame.type : undefined, user: this.user.id, conn: this.id, err })
      // A client whose resume failed would wait for `synced` forever: make it reconnect instead.
      if (isResume) return disconnect(this, 1011, 'resume failed')
      sendErrorFrame(this, 'internal', 'The server failed to process the frame; it was not processed.',
        parsed.ok && (parsed.frame.type === 'send' || parsed.frame.type === 'groupSend') ? parsed.frame.cid : undefined)
    }).finally(() => {
      if (isResume) this.#resuming = false
    })
  }

  /** Spends one frame of the budget; over it the frame is refused (`rate_limited`), not processed. */
  #rateAllows(now: number): boolean {
    if (this.#frames.take(now)) {
      this.#limitedInARow = 0
      return true
    }
    framesReceived.rate_limited.n++
    rateLimited.frames.n++
    this.#refuseOverLimit('Too many frames; slow down.')
    return false
  }

  /** Answers `rate_limited`; a client that keeps going regardless is closed with 4029. */
  #refuseOverLimit(message: string, cid?: string): void {
    if (++this.#limitedInARow > MAX_LIMITED_IN_A_ROW) return disconnect(this, CloseCode.RateLimited, 'rate limited')
    sendErrorFrame(this, 'rate_limited', message, cid)
  }
}
