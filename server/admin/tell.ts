import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import type { Settings } from '#shared/settings'
import type { SessionEnd } from '../auth/sessionCache'
import { encodeEnvelope, relayChannel } from '../cluster/envelope'

/**
 * What telling the running servers through Redis gave: `off` (no NUXT_REDIS_URL: they read the
 * notice from the database, within a second), `published` to `instances` subscribed servers (at
 * once), or `failed` (Redis did not take it: they still read the notice from the database).
 */
export type Told = { redis: 'off' } | { redis: 'published', instances: number } | { redis: 'failed', error: string }

/**
 * With Redis, tells every instance at once what the command line did, in the envelope they already
 * act on for sign-outs (`sessions`; server/cluster/envelope.ts). The notice in the database, already
 * committed, is what makes it certain; this only makes it immediate.
 */
export async function tellInstances(settings: Pick<Settings, 'redisUrl' | 'redisPrefix'>, sessions: readonly string[], why: SessionEnd, user: number, timeoutMs = 3000): Promise<Told> {
  if (!settings.redisUrl) return { redis: 'off' }
  const redis = new Redis(settings.redisUrl, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  redis.on('error', () => {})
  // (No instance's id: `admin-…` never matches one, so no instance skips it as its own echo.)
  const envelope = encodeEnvelope({ kind: 'sessions', from: `admin-${randomBytes(4).toString('hex')}`, sessions: [...sessions], why, ...(why === 'account_disabled' ? { user } : {}) })
  try {
    await redis.connect()
    const instances = await redis.publish(relayChannel(settings.redisPrefix), envelope)
    await redis.quit()
    return { redis: 'published', instances }
  }
  catch (error) {
    redis.disconnect()
    return { redis: 'failed', error: (error as Error).message }
  }
}
