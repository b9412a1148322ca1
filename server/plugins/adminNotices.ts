import { watchNotices } from '../admin/noticeWatch'
import { useDb } from '../infra/db'
import { log } from '../infra/log'
import { closeAccountHere, closeSessionsHere } from '../socket/sessions'

/**
 * Acts on what the operator's command line did (server/admin/notices.ts): a disabled account's
 * sockets close with 4003, revoked sessions' with 4001, and the session cache forgets them, so
 * HTTP refuses them too. With Redis the envelope usually got here first; closing twice is harmless.
 */
export default defineNitroPlugin((nitroApp) => {
  const watch = watchNotices(useDb, (notice) => {
    const closed = notice.kind === 'disabled' ? closeAccountHere(notice.userId, notice.sessions) : closeSessionsHere(notice.sessions)
    if (closed > 0) log.info('admin notice', { kind: notice.kind, user: notice.userId, sockets: closed })
  })
  // At once, not after the first interval: notices since this process started are acted on (noticeWatch.ts).
  void watch.tick()
  nitroApp.hooks.hook('close', () => watch.stop())
})
