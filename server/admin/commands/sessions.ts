import { CloseCode } from '#shared/protocol'
import { findAccount } from '../accounts'
import type { Command } from '../command'
import { UsageError } from '../errors'
import { count, iso, table, utc } from '../format'
import { SESSION_ID_LENGTH, listSessions, revokeSessions } from '../sessions'
import { tellInstances } from '../tell'
import { toldLine, who } from './users'

export const sessionsList: Command = {
  name: 'sessions list',
  args: ['NAME'],
  options: {},
  summary: 'an account\'s sessions (signed-in browsers and devices)',
  help: [
    'Lists the account\'s sessions, newest first: an id (the start of the stored hash, which is no',
    'cookie), when it began and when it ends. NAME is a username or #ID.',
  ],
  example: 'sessions list 小明',
  async run(ctx) {
    const user = await findAccount(ctx.db, ctx.args[0]!)
    const sessions = await listSessions(ctx.db, user.id, ctx.now)
    const rows = sessions.map(s => [s.id, utc(s.createdAt), `${utc(s.expiresAt)}${s.expired ? ' (expired)' : ''}`])
    return {
      json: { user: { id: user.id, username: user.username }, sessions: sessions.map(s => ({ ...s, createdAt: iso(s.createdAt), expiresAt: iso(s.expiresAt) })) },
      text: sessions.length === 0 ? [`${who(user)} has no sessions.`] : [`Sessions of ${who(user)}:`, ...table(['ID', 'STARTED', 'ENDS'], rows)],
    }
  },
}

export const sessionsRevoke: Command = {
  name: 'sessions revoke',
  args: ['NAME'],
  usage: 'sessions revoke NAME (--all | --id PREFIX)',
  options: {
    all: { type: 'boolean', help: 'every session of the account' },
    id: { type: 'string', value: 'PREFIX', help: 'the one session whose id starts with PREFIX (from sessions list)' },
  },
  summary: 'end an account\'s sessions, all or one (4001)',
  help: [
    'Ends sessions of the account — all of them (--all) or one (--id, any unambiguous start of the',
    'id sessions list shows) — and closes their sockets on every server with 4001. The person can',
    'sign in again; to keep them out, use users disable. NAME is a username or #ID.',
  ],
  example: 'sessions revoke 小明 --id 3fA9c',
  async run(ctx) {
    const prefix = ctx.options.id
    if (Boolean(ctx.options.all) === (prefix !== undefined)) throw new UsageError('give either --all or --id PREFIX')
    if (typeof prefix === 'string' && (prefix.length < 4 || prefix.length > 64)) throw new UsageError('--id must be 4 or more characters of a session id')
    const user = await findAccount(ctx.db, ctx.args[0]!)
    const ended = await revokeSessions(ctx.db, user.id, typeof prefix === 'string' ? { prefix } : { all: true }, ctx.now)
    const told = ended.length > 0 ? await tellInstances(ctx.settings, ended, 'session_ended', user.id) : { redis: 'off' as const }
    const ids = ended.map(h => h.slice(0, SESSION_ID_LENGTH))
    return {
      json: { user: { id: user.id, username: user.username }, ended: ids, ...told },
      text: ended.length === 0
        ? [`${who(user)} had no sessions.`]
        : [`Ended ${count(ended.length, 'session')} of ${who(user)}: ${ids.join(', ')}.`, toldLine(told, CloseCode.SessionEnded)],
    }
  },
}
