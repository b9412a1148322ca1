import { Readable } from 'node:stream'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { checkPassword } from '#shared/accounts'
import { parseInvocation } from '../../server/admin/args'
import { COMMANDS } from '../../server/admin/cli'
import { UsageError } from '../../server/admin/errors'
import { bytes, displayWidth, printable, table } from '../../server/admin/format'
import { oneTimePassword, passwordFromStdin } from '../../server/admin/oneTimePassword'
import { settingsFromEnv } from '../../server/admin/settings'
import { readPipedStdin } from '../../server/admin/stdin'
import { SessionCache } from '../../server/auth/sessionCache'
import { withNumberTimes } from '../../server/auth/userQueries'

/** The pure parts of the operator's command line (its commands run in tests/storage/adminCli.test.ts). */
describe('reading the command line', () => {
  const parse = (line: string) => parseInvocation(line.split(' ').filter(Boolean), COMMANDS)

  it('finds one- and two-word commands with their arguments and options, in any order', () => {
    expect(parse('users list --limit 5 --json')).toMatchObject({ command: { name: 'users list' }, args: [], options: { limit: '5' }, json: true })
    expect(parse('users disable 小明')).toMatchObject({ command: { name: 'users disable' }, args: ['小明'], help: false })
    expect(parse('sessions revoke --id=abcd bob')).toMatchObject({ command: { name: 'sessions revoke' }, args: ['bob'], options: { id: 'abcd' } })
    expect(parse('stats')).toMatchObject({ command: { name: 'stats' }, args: [] })
    // A name that starts with "-" comes after "--".
    expect(parseInvocation(['users', 'enable', '--', '-dash'], COMMANDS)).toMatchObject({ args: ['-dash'] })
  })

  it('asks for help without needing the arguments', () => {
    expect(parse('--help')).toMatchObject({ help: true })
    expect(parse('--help').command).toBeUndefined()
    expect(parse('users disable -h')).toMatchObject({ command: { name: 'users disable' }, help: true })
  })

  it.each([
    ['', /no command given/],
    ['users', /unknown command: users/],
    ['user list', /unknown command: user list/],
    ['users list --lmit 3', /Unknown option '--lmit'/],
    ['stats --limit 3', /stats takes no --limit/],
    ['users disable', /users disable needs NAME/],
    ['users disable a b', /takes NAME, not "b"/],
    ['stats now', /stats takes no arguments, not "now"/],
    ['users list --limit', /--limit/],
  ])('refuses "%s" as a usage error', (line, message) => {
    expect(() => parse(line)).toThrow(UsageError)
    expect(() => parse(line)).toThrow(message)
  })
})

describe('readable output', () => {
  it('aligns columns by what a terminal shows: Chinese characters take two columns, marks none', () => {
    expect(displayWidth('小明')).toBe(4)
    expect(displayWidth('Ju\u0308rgen')).toBe(6)
    expect(displayWidth('Ａ')).toBe(2)
    expect(table(['ID', 'NAME', 'X'], [['1', '小明', 'a'], ['22', 'bob', 'b']])).toEqual([
      'ID  NAME  X',
      '1   小明  a',
      '22  bob   b',
    ])
  })

  it('never hands control or bidirectional characters to the terminal', () => {
    expect(printable('a\u001B[31mb\u202Ec')).toBe('a\\u{1b}[31mb\\u{202e}c')
    expect(printable('小明')).toBe('小明')
  })

  it('writes sizes in binary units', () => {
    expect([bytes(512), bytes(4096), bytes(5 * 1024 * 1024)]).toEqual(['512 B', '4.0 KiB', '5.0 MiB'])
  })
})

describe('one-time passwords', () => {
  it('are 16 unambiguous characters in groups of four, different each time, and pass the password rule', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const password = oneTimePassword()
      expect(password).toMatch(/^[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){3}$/)
      expect(checkPassword(password)).toBeNull()
      seen.add(password)
    }
    expect(seen.size).toBe(200)
  })

  it('take a piped password without the line break echo adds, and nothing else', () => {
    expect(passwordFromStdin('secret words\n')).toBe('secret words')
    expect(passwordFromStdin('secret\r\n')).toBe('secret')
    expect(passwordFromStdin(' spaced \n\n')).toBe(' spaced \n')
  })
})

describe('settings from the environment', () => {
  afterEach(() => void vi.unstubAllEnvs())

  it('reads them as the server does: NITRO_ before NUXT_, values as Nitro reads them, defaults otherwise', () => {
    vi.stubEnv('NUXT_DATA_DIR', '/srv/nuxt')
    vi.stubEnv('NUXT_REDIS_URL', 'redis://10.0.0.1:6379')
    vi.stubEnv('NUXT_SQLITE_SYNCHRONOUS', 'normal')
    expect(settingsFromEnv()).toMatchObject({ dataDir: '/srv/nuxt', redisUrl: 'redis://10.0.0.1:6379', sqliteSynchronous: 'NORMAL', redisPrefix: 'jizhan:', databaseUrl: '' })
    vi.stubEnv('NITRO_DATA_DIR', '/srv/nitro')
    vi.stubEnv('NUXT_DATA_DIR', '2024')
    expect(settingsFromEnv().dataDir).toBe('/srv/nitro')
  })

  it('refuses what the server refuses, naming the variable', () => {
    vi.stubEnv('NUXT_DATABASE_URL', 'mysql://x')
    expect(() => settingsFromEnv()).toThrow(/NUXT_DATABASE_URL=\(hidden\) is not allowed/)
  })
})

describe('the session cache', () => {
  it('remembers why a session ended, so a socket joining meanwhile is closed with the right code', () => {
    const cache = new SessionCache(5_000, 60_000)
    cache.end(['a'], 0)
    cache.end(['b'], 0, 'account_disabled')
    expect([cache.endedWhy('a', 1), cache.endedWhy('b', 1), cache.endedWhy('c', 1)]).toEqual(['session_ended', 'account_disabled', undefined])
    expect(cache.isEnded('b', 59_999)).toBe(true)
    expect(cache.endedWhy('b', 60_000)).toBeUndefined()
  })

  it('keeps the latest reason and expiry when a session is ended twice', () => {
    const cache = new SessionCache(5_000, 60_000)
    cache.end(['a', 'b'], 0)
    cache.end(['a'], 30_000, 'account_disabled')
    cache.end(['c'], 61_000) // sweeps b, keeps a (renewed)
    expect([cache.endedWhy('a', 61_000), cache.endedWhy('b', 61_000)]).toEqual(['account_disabled', undefined])
  })
})

describe('account rows', () => {
  it('read bigint times as numbers whether the driver gave strings (PostgreSQL) or numbers (SQLite), and keep a null', () => {
    const pg = { id: 1, username: 'a', created_at: '1700000000000', disabled_at: '1700000000001', sessions: '2' }
    expect(withNumberTimes(pg)).toEqual({ id: 1, username: 'a', created_at: 1_700_000_000_000, disabled_at: 1_700_000_000_001, sessions: '2' })
    expect(withNumberTimes({ created_at: 5, disabled_at: null })).toEqual({ created_at: 5, disabled_at: null })
  })
})

describe('reading a password from standard input', () => {
  it('refuses a terminal, where the password would be echoed, and says to pipe it', async () => {
    const terminal = Object.assign(Readable.from(['typed\n']), { isTTY: true })
    await expect(readPipedStdin(terminal, 'npm run admin --')).rejects.toMatchObject({
      code: 'stdin_is_terminal',
      message: expect.stringMatching(/terminal.*Pipe it in: printf '%s\\n' "\$PASSWORD" \| npm run admin -- users reset-password NAME --stdin/s),
    })
  })

  it('reads everything piped in', async () => {
    expect(await readPipedStdin(Readable.from([Buffer.from('chosen '), 'password\n']), 'x')).toBe('chosen password\n')
  })
})
