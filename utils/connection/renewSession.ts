import type { ConnectionStatus } from './connectionStatus'

/** The part of the connection store a session renewal drives. */
export interface RenewableConnection {
  status: () => ConnectionStatus
  disconnect: () => void
  connect: () => void
}

/**
 * Runs `task`, an HTTP call that replaces this browser's session (a password change ends every
 * session of the user, closing their sockets with 4001, and sets a fresh cookie), with this page's
 * socket closed deliberately first: the old session's 4001 never reaches it, so it is not taken for
 * a sign-out. Afterwards the connection opens again, with the new cookie, if it was wanted before
 * (also when the task failed: the old session then still holds).
 */
export async function renewSession<T>(connection: RenewableConnection, task: () => Promise<T>): Promise<T> {
  const before = connection.status()
  const wanted = before !== 'idle' && before !== 'closed' && before !== 'signed-out'
  if (wanted) connection.disconnect()
  try {
    return await task()
  }
  finally {
    if (wanted && connection.status() === 'closed') connection.connect()
  }
}
