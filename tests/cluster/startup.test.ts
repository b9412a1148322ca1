import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { TEST_REDIS_URL } from '../support/cluster'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'
import { occupyPort, runUntilExit } from '../support/serverProcess'
import { makeTempDir, removeTempDir } from '../support/tempDir'

/**
 * An instance that cannot serve must not appear in the cluster: with Redis configured and the port
 * taken, it stops with exit code 1 and leaves no lease key, instance entry or presence behind.
 */
const redis = new Redis(TEST_REDIS_URL)
const dataDir = makeTempDir('startup')
const database = await testDatabaseEnv()
afterAll(async () => {
  redis.disconnect()
  removeTempDir(dataDir)
  await dropTestDatabase(database.NUXT_DATABASE_URL)
})

describe('a clustered instance whose port is taken', () => {
  it.each([
    ['an address', '127.0.0.1'],
    // A host name is resolved first, so the listen fails later, possibly after Redis answered.
    ['a host name', 'localhost'],
  ])('stops with exit code 1 and leaves nothing in Redis (HOST is %s)', async (_, host) => {
    const prefix = `jizhan-test:${randomBytes(4).toString('hex')}:`
    const taken = await occupyPort('::')
    try {
      const run = await runUntilExit({
        ...database,
        NUXT_DATA_DIR: dataDir,
        NUXT_REDIS_URL: TEST_REDIS_URL,
        NUXT_REDIS_PREFIX: prefix,
        PORT: String(taken.port),
        HOST: host,
      })
      expect(run.timedOut, run.output).toBe(false)
      expect(run.code).toBe(1)
      expect(run.output).toContain(`cannot listen on ${host} port ${taken.port}: the port is already in use`)
      expect(await redis.keys(`${prefix}*`)).toEqual([])
    }
    finally {
      await taken.close()
    }
  })
})
