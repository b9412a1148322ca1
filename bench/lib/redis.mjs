import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { alive } from './postgres.mjs'

/**
 * Key prefixes on the local Redis for the bench's `jizhan-cluster` (the same Redis `npm run
 * test:cluster` uses). A prefix carries the creating process id, so a later run removes the keys a
 * killed run left behind; each run removes its own at the end.
 */
export const REDIS_URL = process.env.JIZHAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

const ROOT = 'jizhan-bench:'

async function withRedis(url, job) {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  // ioredis rejects with "Connection is closed."; the cause (ECONNREFUSED…) comes as an event.
  let cause
  redis.on('error', error => (cause = error))
  try {
    await redis.connect().catch((error) => {
      throw cause ?? error
    })
    return await job(redis)
  }
  finally {
    redis.disconnect()
  }
}

async function deleteMatching(redis, pattern, keep = () => false) {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    const doomed = keys.filter(k => !keep(k))
    if (doomed.length > 0) await redis.del(...doomed)
  } while (cursor !== '0')
}

/** Removes keys of earlier bench runs whose process is gone; undefined when Redis answers, else why not. */
export async function checkRedis(url = REDIS_URL) {
  try {
    await withRedis(url, redis => deleteMatching(redis, `${ROOT}*`, key => alive(Number(key.slice(ROOT.length).split('-')[0]))))
    return undefined
  }
  catch (error) {
    return `Redis is not reachable at ${url} (set JIZHAN_TEST_REDIS_URL): ${error.message}`
  }
}

/** A fresh key prefix: `{ url, prefix, remove() }` (remove deletes every key under it). */
export function createPrefix(url = REDIS_URL) {
  const prefix = `${ROOT}${process.pid}-${randomBytes(4).toString('hex')}:`
  return { url, prefix, remove: () => withRedis(url, redis => deleteMatching(redis, `${prefix}*`)) }
}
