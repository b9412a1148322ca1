import { randomBytes } from 'node:crypto'

/**
 * This process, as other instances and its log lines know it. Random per start: a restarted
 * instance is a new one. (The cluster names instances by it; the logger stamps every line with it.)
 */
export const instanceId = randomBytes(6).toString('hex')
