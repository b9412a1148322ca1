import { heartbeatOverdue } from './connectionStatus'

const noop = () => {}

/** What the heartbeat needs from the connection store: timers, the clock and the current socket. */
export interface HeartbeatDeps {
  /** Starts a timer; returns its undo. */
  timer: (fn: () => void, ms: number) => () => void
  now: () => number
  /** The interval and timeout the server announced in its welcome (or the shipped defaults). */
  settings: () => { intervalMs: number, timeoutMs: number }
  /** Sends a ping on the current socket; false when there is no welcomed socket to ping. */
  ping: () => boolean
  /** Nothing at all arrived within the timeout after a ping: the link is dead. */
  dead: () => void
}

/**
 * The client's side of the heartbeat on the current socket: a ping every interval and a deadline
 * after each. Any inbound frame (`received`) proves the link; `stop()` undoes both timers.
 */
export function createHeartbeat(deps: HeartbeatDeps) {
  let lastInboundAt = 0
  let stopPing = noop
  let stopPong = noop

  /** A frame arrived (or a socket was just opened). */
  function received(at: number) {
    lastInboundAt = at
  }

  /** Pings every interval. */
  function start() {
    stopPing = deps.timer(() => {
      probe()
      start()
    }, deps.settings().intervalMs)
  }

  /**
   * Sends a ping; if nothing at all arrives within the timeout, the link is dead. The deadline is
   * judged by the time frames arrived, so a timer that fired late (a throttled background tab)
   * still decides correctly.
   */
  function probe() {
    const sentAt = deps.now()
    if (!deps.ping()) return
    // An earlier deadline still pending stands (re-arming it on every ping would postpone it for
    // ever whenever timeout >= interval).
    if (stopPong !== noop) return
    stopPong = deps.timer(() => {
      stopPong = noop
      if (lastInboundAt < sentAt) deps.dead()
    }, deps.settings().timeoutMs)
  }

  /** Whether the link has been quiet too long by the wall clock (its timers may have slept). */
  function overdue(now: number): boolean {
    return heartbeatOverdue(now, lastInboundAt, deps.settings())
  }

  function stop() {
    stopPing()
    stopPong()
    stopPing = stopPong = noop
  }

  return { received, start, probe, overdue, stop }
}
