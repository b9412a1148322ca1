import type { PublicUser } from '#shared/protocol'

/** Who a request or socket belongs to, and through which session. */
export interface Identity {
  user: PublicUser
  /** Hash of the session (or of the session that issued the ticket). */
  sessionHash: string
  /** When that session expires (ms); its sockets are closed then. */
  sessionExpiresAt: number
}
