import { checkPassword } from '#shared/accounts'
import { CloseCode } from '#shared/protocol'
import { hashPassword } from '../../auth/passwords'
import type { AccountRow } from '../../auth/userQueries'
import { LIST_MAX, disableAccount, enableAccount, findAccount, findAccounts, listAccounts, resetPassword } from '../accounts'
import type { AccountSummary } from '../accounts'
import { intOption } from '../command'
import type { Command, CommandContext } from '../command'
import { AdminError, UsageError } from '../errors'
import { count, iso, table, utc } from '../format'
import { oneTimePassword, passwordFromStdin } from '../oneTimePassword'
import { tellInstances } from '../tell'
import type { Told } from '../tell'

/** `小明 (#12)`. */
export function who(user: { id: number, username: string }): string {
  return `${user.username} (#${user.id})`
}

const userJson = (u: Pick<AccountRow, 'id' | 'username'>) => ({ id: u.id, username: u.username })

/** What the servers were told, in words: the account's sockets close with `code` everywhere. */
export function toldLine(told: Told, code: number): string {
  if (told.redis === 'published') return `Its sockets close with ${code} now: ${count(told.instances, 'running server was', 'running servers were')} told through Redis (any other reads it from the database within a second).`
  if (told.redis === 'failed') return `Redis did not take the news (${told.error}); its sockets close with ${code} within a second all the same (servers read it from the database).`
  return `Its sockets close with ${code} within a second on every running server (they read it from the database).`
}

function accountTable(users: AccountSummary[]): string[] {
  if (users.length === 0) return ['No accounts.']
  return table(['ID', 'USERNAME', 'CREATED', 'SESSIONS', 'STATUS'], users.map(u => [
    String(u.id), u.username, utc(u.createdAt), String(u.sessions), u.disabledAt === null ? 'enabled' : `disabled ${utc(u.disabledAt)}`,
  ]))
}

const accountJson = (u: AccountSummary) => ({ ...u, createdAt: iso(u.createdAt), disabledAt: iso(u.disabledAt) })

const NAME_HELP = 'NAME is a username as typed at sign-in (any case or width), or #ID.'

export const usersList: Command = {
  name: 'users list',
  args: [],
  options: {
    limit: { type: 'string', value: 'N', help: `how many (default 50, at most ${LIST_MAX})` },
    after: { type: 'string', value: 'ID', help: 'start after this account id (the next page)' },
  },
  summary: 'accounts in the order they were made',
  help: ['Lists accounts by id: name, when made, live sessions, and whether disabled.', 'The last line names the next page\'s --after.'],
  example: 'users list --limit 20 --after 100',
  async run(ctx) {
    const limit = intOption(ctx, 'limit', 1, LIST_MAX, 50)
    const after = intOption(ctx, 'after', 0, Number.MAX_SAFE_INTEGER, 0)
    const { users, next } = await listAccounts(ctx.db, after, limit, ctx.now)
    const more = next === null ? [] : [`More: users list --after ${next}${ctx.options.limit ? ` --limit ${limit}` : ''}`]
    return { json: { users: users.map(accountJson), next }, text: [...accountTable(users), ...more] }
  },
}

export const usersFind: Command = {
  name: 'users find',
  args: ['PREFIX'],
  options: { limit: { type: 'string', value: 'N', help: `how many (default 50, at most ${LIST_MAX})` } },
  summary: 'accounts whose name starts with PREFIX',
  help: ['Finds accounts as the people search does: by the start of the name, up to case, width and composition.'],
  example: 'users find 小',
  async run(ctx) {
    const prefix = ctx.args[0]!
    if (prefix === '') throw new UsageError('PREFIX must not be empty')
    const limit = intOption(ctx, 'limit', 1, LIST_MAX, 50)
    const { users, more } = await findAccounts(ctx.db, prefix, limit, ctx.now)
    const tail = more ? [`More than ${limit}: give a longer prefix or a larger --limit.`] : []
    return { json: { users: users.map(accountJson), more }, text: [...accountTable(users), ...tail] }
  },
}

export const usersDisable: Command = {
  name: 'users disable',
  args: ['NAME'],
  options: {},
  summary: 'no more sign-in; sessions end, sockets close (4003)',
  help: [
    'Disables the account: signing in is refused (account_disabled), every session ends, and its',
    'sockets close on every server with 4003. Messages and groups stay. Undo with users enable.', NAME_HELP,
  ],
  example: 'users disable 小明',
  async run(ctx) {
    const user = await findAccount(ctx.db, ctx.args[0]!)
    const { alreadyDisabled, sessions } = await disableAccount(ctx.db, user.id, ctx.now)
    const told = await tellInstances(ctx.settings, sessions, 'account_disabled', user.id)
    const first = alreadyDisabled ? `${who(user)} was disabled already` : `Disabled ${who(user)}`
    return {
      json: { user: userJson(user), alreadyDisabled, sessionsEnded: sessions.length, ...told },
      text: [`${first}: ${count(sessions.length, 'session')} ended.`, toldLine(told, CloseCode.AccountDisabled)],
    }
  },
}

export const usersEnable: Command = {
  name: 'users enable',
  args: ['NAME'],
  options: {},
  summary: 'let a disabled account sign in again',
  help: ['Enables a disabled account: it can sign in again (its old sessions stay ended).', NAME_HELP],
  example: 'users enable 小明',
  async run(ctx) {
    const user = await findAccount(ctx.db, ctx.args[0]!)
    const wasDisabled = await enableAccount(ctx.db, user.id)
    return {
      json: { user: userJson(user), wasDisabled },
      text: [wasDisabled ? `Enabled ${who(user)}: they can sign in again.` : `${who(user)} was not disabled.`],
    }
  },
}

async function newPassword(ctx: CommandContext): Promise<{ password: string, generated: boolean }> {
  if (!ctx.options.stdin) return { password: oneTimePassword(), generated: true }
  const password = passwordFromStdin(await ctx.readStdin())
  const problem = checkPassword(password)
  if (problem) throw new AdminError(problem.code, `The password from standard input is refused: ${problem.message}`)
  return { password, generated: false }
}

export const usersResetPassword: Command = {
  name: 'users reset-password',
  args: ['NAME'],
  options: { stdin: { type: 'boolean', help: 'read the new password from standard input instead of generating one' } },
  summary: 'a new password (printed, or from stdin); sessions end (4001)',
  help: [
    'Sets a new password, hashed as the server hashes it, and ends every session of the account',
    '(its sockets close with 4001 on every server). Prints a generated password to give to its',
    'owner, who should change it in Settings; with --stdin, sets the one piped in instead.', NAME_HELP,
  ],
  example: 'users reset-password 小明',
  async run(ctx) {
    const user = await findAccount(ctx.db, ctx.args[0]!)
    const { password, generated } = await newPassword(ctx)
    const sessions = await resetPassword(ctx.db, user.id, await hashPassword(password), ctx.now)
    const told = await tellInstances(ctx.settings, sessions, 'session_ended', user.id)
    const first = generated
      ? [`New password for ${who(user)}: ${password}`, 'Give it to them; they should change it in Settings.']
      : [`Set the password of ${who(user)}.`]
    return {
      json: { user: userJson(user), ...(generated ? { password } : {}), sessionsEnded: sessions.length, ...told },
      text: [...first, `${count(sessions.length, 'session')} ended.`, toldLine(told, CloseCode.SessionEnded)],
    }
  },
}
