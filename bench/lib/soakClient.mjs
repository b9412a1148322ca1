import WebSocket from 'ws'

/**
 * One device of a soak user: a socket that comes and goes, and what a client keeps across sockets,
 * as docs/protocol.md says a client does: its stream cursor (an event applies only at cursor + 1;
 * one at or below it is a repeat, one beyond it a gap that asks for `resume` again), resume from
 * that cursor after every `welcome`, an outbox of unacknowledged sends resent with their `cid`
 * after every `synced`, `delivered` for what arrived and `read` for the conversation it shows.
 * Plain `ws`, no store: a soak runs a hundred of these in one process for fifteen minutes.
 *
 * `received` maps each message id applied (from someone else) to { count, cid }: the text starts
 * with the sender's cid, so a delivery can be matched with its acknowledgement (soakChecks.mjs).
 */
export class SoakDevice {
  /** `hooks`: onClose(device, code, deliberate), onAck(device, ack, sent), onPresence(device, frame). */
  constructor({ url, user, index, ledger, counters, visible, hooks = {} }) {
    Object.assign(this, { url, user, ledger, counters, visible, hooks })
    this.prefix = `${user.id}.${index}.`
    this.cursor = 0
    /** cid → { to, text } until acknowledged. */
    this.outbox = new Map()
    this.received = new Map()
    /** Newest seq received per peer, and the newest each receipt was sent for. */
    this.newest = new Map()
    this.delivered = new Map()
    this.read = new Map()
    this.viewing = undefined
    /** 'offline' | 'connecting' | 'resuming' | 'live' */
    this.state = 'offline'
    this.ws = undefined
    this.sent = 0
    /** Sockets opened so far: a device is back from a drop when it is live on a later one. */
    this.generation = 0
    this.deliberate = false
    this.closeWaiters = []
  }

  get busy() {
    return this.ws !== undefined
  }

  connect() {
    if (this.ws) return
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}/_ws`, ['jizhan.v1'], { headers: { cookie: this.user.cookie, origin: this.url } })
    this.ws = ws
    this.generation++
    this.state = 'connecting'
    this.deliberate = false
    this.resuming = false
    this.counters.connects++
    // A refused or cut socket also emits 'close', which is where it is handled.
    ws.on('error', () => {})
    ws.on('message', data => this.#frame(ws, JSON.parse(data)))
    ws.on('close', code => this.#closed(ws, code))
  }

  /** Leaves on purpose (a closed tab): `abrupt` without a close frame, as a lost network would. */
  leave(abrupt) {
    if (!this.ws) return
    this.deliberate = true
    abrupt ? this.ws.terminate() : this.ws.close(1000, 'client disconnect')
  }

  /** The link drops (a reconnect burst): the owner reconnects it. */
  drop() {
    this.ws?.terminate()
  }

  /** Stops reading the socket (the kernel's buffers, then the server's, fill up) or reads again. */
  pause() {
    this.ws?._socket?.pause()
  }

  resume() {
    this.ws?._socket?.resume()
  }

  /** Resolves with the close code of the current socket when it closes. */
  whenClosed() {
    return new Promise(resolve => this.closeWaiters.push(resolve))
  }

  send(to, text) {
    const cid = `${this.prefix}${++this.sent}`
    const message = { to, text: `${cid}|${text}` }
    this.outbox.set(cid, message)
    this.counters.sent++
    this.#write({ type: 'send', cid, ...message })
  }

  /** One `delivered` per peer whose newest message moved, and `read` for the one shown. */
  sendReceipts() {
    if (this.state !== 'live') return
    for (const [peer, seq] of this.newest) {
      if (seq > (this.delivered.get(peer) ?? 0)) {
        this.delivered.set(peer, seq)
        this.#write({ type: 'delivered', peer, seq })
        this.counters.receipts++
      }
      if (this.visible && this.viewing === peer && seq > (this.read.get(peer) ?? 0)) {
        this.read.set(peer, seq)
        this.#write({ type: 'read', peer, seq })
        this.counters.receipts++
      }
    }
  }

  #write(frame) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame))
  }

  #frame(ws, frame) {
    if (ws !== this.ws) return
    switch (frame.type) {
      case 'welcome':
        this.state = 'resuming'
        this.resuming = true
        this.pinger = setInterval(() => this.#write({ type: 'ping' }), frame.heartbeat.intervalMs)
        return this.#write({ type: 'resume', cursor: this.cursor })
      case 'synced':
        this.resuming = false
        if (this.state !== 'resuming') return
        this.state = 'live'
        for (const [cid, message] of this.outbox) this.#resend(cid, message)
        return
      case 'message':
        if (this.#apply(frame.pos) && frame.from !== this.user.id) this.#received(frame)
        return
      case 'receipt':
        return void this.#apply(frame.pos)
      case 'ack': {
        if (frame.pos !== undefined) this.#apply(frame.pos)
        const sent = this.outbox.get(frame.cid)
        this.outbox.delete(frame.cid)
        this.ledger.acked(frame.id, sent?.to, frame.cid)
        return this.hooks.onAck?.(this, frame, sent)
      }
      case 'presence':
        return this.hooks.onPresence?.(this, frame)
      case 'error':
        this.counters.errors[frame.code] = (this.counters.errors[frame.code] ?? 0) + 1
        // What the protocol says may be sent again: the same cid, shortly.
        if (['busy', 'internal', 'rate_limited'].includes(frame.code) && this.outbox.has(frame.cid)) {
          setTimeout(() => this.outbox.has(frame.cid) && this.#resend(frame.cid, this.outbox.get(frame.cid)), 2000).unref()
        }
        return
      default:
        if (typeof frame.pos === 'number') this.#apply(frame.pos)
    }
  }

  #resend(cid, message) {
    this.counters.resent++
    this.#write({ type: 'send', cid, ...message })
  }

  /** Whether the stream event at `pos` is the next one (and now applied). */
  #apply(pos) {
    if (pos <= this.cursor) {
      this.counters.repeats++
      return false
    }
    if (pos > this.cursor + 1) {
      this.counters.gaps++
      if (!this.resuming) {
        this.resuming = true
        this.#write({ type: 'resume', cursor: this.cursor })
      }
      return false
    }
    this.cursor = pos
    return true
  }

  #received(frame) {
    const entry = this.received.get(frame.id)
    if (entry) entry.count++
    else this.received.set(frame.id, { count: 1, cid: frame.text.slice(0, frame.text.indexOf('|')) })
    if (frame.seq > (this.newest.get(frame.from) ?? 0)) this.newest.set(frame.from, frame.seq)
  }

  #closed(ws, code) {
    if (ws !== this.ws) return
    clearInterval(this.pinger)
    this.ws = undefined
    this.state = 'offline'
    this.counters.closes[code] = (this.counters.closes[code] ?? 0) + 1
    for (const resolve of this.closeWaiters.splice(0)) resolve(code)
    this.hooks.onClose?.(this, code, this.deliberate)
  }
}
