/**
 * The names and codes of the wire protocol: the subprotocols a socket offers, the close codes that
 * end it, and the error codes of an `error` frame (docs/protocol.md lists each with its meaning).
 */

/** Subprotocol every client offers first; the server echoes it. */
export const PROTOCOL_NAME = 'jizhan.v1'
/** Prefix of the subprotocol that carries a bearer ticket (never offered first). */
export const TICKET_PROTOCOL_PREFIX = 'ticket.'

/**
 * Application close codes (RFC 6455 §7.4.2 reserves 4000–4999 for applications).
 * Standard codes used as well: 1000 normal, 1012 service restart (shutdown drain), 1013 try again later
 * (a cluster instance could not let the socket in), 1008 policy violation
 * (too many invalid frames in a row), 1009 frame too big, 1011 internal error.
 */
export const CloseCode = {
  /** The session ended (sign-out or expiry): the client must not reconnect. */
  SessionEnded: 4001,
  /**
   * The operator disabled the account (docs/operations.md): every session of it ended. The client
   * must not reconnect; signing in is refused (`account_disabled`) until the account is enabled.
   */
  AccountDisabled: 4003,
  /** No reply to pings within the deadline: the server dropped a silent connection. */
  HeartbeatTimeout: 4008,
  /** The client kept sending over its rate limit after being told: reconnect later, with backoff. */
  RateLimited: 4029,
  /** The client read too slowly and its outgoing buffer hit the cap: reconnect and resume. */
  SlowConsumer: 4009,
  /** The instance is shutting down (standard "Service Restart"): reconnect, another one takes over. */
  ServiceRestart: 1012,
  /**
   * The instance could not let the socket in just now (standard "Try Again Later"): in a cluster,
   * Redis did not confirm the subscription to the user's channel, without which the socket would
   * miss what other instances relay. Sent instead of the welcome; reconnect with backoff.
   */
  TryAgainLater: 1013,
} as const

export const ERROR_CODES = [
  'bad_json', // the frame is not JSON
  'binary_unsupported', // binary frames are not part of the protocol
  'bad_frame', // JSON, but not a valid frame (unknown type, missing or wrong field)
  'unknown_user', // the recipient does not exist
  'not_member', // the group does not exist or the sender is not (or no longer) one of its members
  'self_message', // a message to oneself
  'rate_limited', // too many frames or messages: the frame was not processed; slow down and resend
  'busy', // the server has too many messages waiting to be stored: not stored; send it again shortly
  'session_ended', // sent just before a close with CloseCode.SessionEnded
  'account_disabled', // sent just before a close with CloseCode.AccountDisabled
  'internal', // the server failed; the frame was not processed
] as const
export type ErrorCode = typeof ERROR_CODES[number]
