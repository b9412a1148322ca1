import { scheduleRetention } from '../chat/retention'
import { useSettings } from '../infra/settings'

/**
 * Message retention (server/chat/retention.ts), when NUXT_MESSAGE_RETENTION_DAYS is above 0.
 * Stopped on close before the shutdown plugin closes the SQLite writer (plugins' hooks run in
 * file-name order), after the batch under way.
 */
export default defineNitroPlugin((nitroApp) => {
  const days = useSettings().messageRetentionDays
  if (days <= 0) return
  const schedule = scheduleRetention(days)
  nitroApp.hooks.hook('close', () => schedule.stop())
})
