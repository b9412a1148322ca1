import { afterEach, describe, expect, it } from 'vitest'
import { configureLog, configureLogFromConfig, log, logOptions, setLogSink } from '../../server/infra/log'
import { HIDDEN, MAX_STRING, REDACTED, colorWanted, formatLine, isSensitiveKey, levelAllows, resolveFormat } from '../../server/infra/logLine'
import type { LineOptions, LogFields, LogLevel } from '../../server/infra/logLine'

const TIME = Date.UTC(2026, 11, 1, 8, 30, 5, 123)
const JSON_OPTIONS: LineOptions = { format: 'json', color: false, instance: 'abc123', hidden: [] }
const PRETTY: LineOptions = { ...JSON_OPTIONS, format: 'pretty' }

const jsonLine = (fields?: LogFields, options: Partial<LineOptions> = {}, level: LogLevel = 'info') =>
  JSON.parse(formatLine({ time: TIME, level, msg: 'connection closed', fields }, { ...JSON_OPTIONS, ...options })) as Record<string, unknown>

describe('log levels', () => {
  it('writes a level and those above it, never those below', () => {
    expect(levelAllows('info', 'debug')).toBe(false)
    expect(levelAllows('info', 'info')).toBe(true)
    expect(levelAllows('info', 'error')).toBe(true)
    expect(levelAllows('error', 'warn')).toBe(false)
    expect(levelAllows('debug', 'debug')).toBe(true)
  })

  it('is pretty under nuxi dev and JSON elsewhere when the format is auto, and as set otherwise', () => {
    expect(resolveFormat('auto', true)).toBe('pretty')
    expect(resolveFormat('auto', false)).toBe('json')
    expect(resolveFormat('json', true)).toBe('json')
    expect(resolveFormat('pretty', false)).toBe('pretty')
  })

  it('colours only a terminal, or when FORCE_COLOR asks, and never under NO_COLOR', () => {
    expect(colorWanted({}, true)).toBe(true)
    expect(colorWanted({}, false)).toBe(false)
    expect(colorWanted({ FORCE_COLOR: '1' }, false)).toBe(true)
    expect(colorWanted({ FORCE_COLOR: '0' }, false)).toBe(false)
    expect(colorWanted({ NO_COLOR: '1' }, true)).toBe(false)
  })
})

describe('a JSON line', () => {
  it('is one object with time, level, message and instance first, then the fields', () => {
    const line = formatLine({ time: TIME, level: 'info', msg: 'connection closed', fields: { user: 12, code: 1000, durationMs: 5012 } }, JSON_OPTIONS)
    expect(line).not.toContain('\n')
    expect(line).toBe('{"time":"2026-12-01T08:30:05.123Z","level":"info","msg":"connection closed","instance":"abc123","user":12,"code":1000,"durationMs":5012}')
  })

  it('leaves undefined fields out and keeps a field named like a base field under another name', () => {
    expect(jsonLine({ user: undefined, level: 'x', msg: 'y' })).toEqual({
      time: '2026-12-01T08:30:05.123Z', level: 'info', msg: 'connection closed', instance: 'abc123', _level: 'x', _msg: 'y',
    })
  })

  it('writes odd values as plain data: bigint as text, dates as ISO, bytes as their count', () => {
    expect(jsonLine({ big: 12n, at: new Date(TIME), bytes: Buffer.from('hello') })).toMatchObject({ big: '12', at: '2026-12-01T08:30:05.123Z', bytes: '[5 bytes]' })
  })

  it('survives a cycle and cuts a very long string', () => {
    const loop: Record<string, unknown> = { a: 1 }
    loop.self = loop
    const line = jsonLine({ loop, long: 'x'.repeat(MAX_STRING + 100) })
    expect(JSON.stringify(line.loop)).toContain('[object]')
    expect((line.long as string).length).toBe(MAX_STRING + 1)
  })
})

describe('an error in a line', () => {
  it('is written as err with its name, message, stack and code', () => {
    const error = Object.assign(new TypeError('boom'), { code: 'E_BOOM' })
    const { err } = jsonLine({ err: error }) as { err: Record<string, unknown> }
    expect(err).toMatchObject({ name: 'TypeError', message: 'boom', code: 'E_BOOM' })
    expect(err.stack).toMatch(/^TypeError: boom\n\s+at /)
  })

  it('carries its cause, and a thrown non-error as its text', () => {
    const { err } = jsonLine({ err: new Error('outer', { cause: new RangeError('inner') }) }) as { err: { cause: Record<string, unknown> } }
    expect(err.cause).toMatchObject({ name: 'RangeError', message: 'inner' })
    expect(jsonLine({ err: 'just a string' }).err).toEqual({ name: 'string', message: 'just a string' })
  })

  it('never carries what a library hung on it besides its code (ioredis puts the command and its arguments there)', () => {
    const error = Object.assign(new Error('ERR something'), { command: { name: 'publish', args: ['chan', 'a message text'] } })
    expect(JSON.stringify(jsonLine({ err: error }))).not.toContain('a message text')
  })
})

describe('the guard against secrets and user content', () => {
  it('redacts every field named like a secret, a token, a cookie, a password or text, at any depth', () => {
    const line = jsonLine({
      password: 'hunter2!', newPassword: 'p', sessionToken: 't', ticket: 'k', cookie: 'c', authorization: 'Bearer x',
      NUXT_SESSION_SECRET: 's', text: 'hello', messageText: 'hello', groupName: 'Team', body: '{}',
      nested: { deeper: { set_cookie: 'c', name: 'Team' } }, list: [{ token: 't' }],
    })
    for (const key of ['password', 'newPassword', 'sessionToken', 'ticket', 'cookie', 'authorization', 'NUXT_SESSION_SECRET', 'text', 'messageText', 'groupName', 'body']) {
      expect(line[key], key).toBe(REDACTED)
    }
    expect(line.nested).toEqual({ deeper: { set_cookie: REDACTED, name: REDACTED } })
    expect(line.list).toEqual([{ token: REDACTED }])
    expect(JSON.stringify(line)).not.toMatch(/hunter2|hello|Team|Bearer/)
  })

  it('keeps ordinary fields whose names only look alike', () => {
    for (const key of ['user', 'conn', 'code', 'durationMs', 'framesIn', 'context', 'username', 'sessions', 'problem', 'size']) {
      expect(isSensitiveKey(key), key).toBe(false)
    }
  })

  it('hides a known secret wherever it appears, in the message, a field or an error', () => {
    const secret = 'my-very-secret-value-123'
    const line = jsonLine({ problem: `bad ${secret}`, err: new Error(`failed with ${secret}`) }, { hidden: [secret] })
    expect(JSON.stringify(line)).not.toContain(secret)
    expect(line.problem).toBe(`bad ${HIDDEN}`)
  })

  it('hides the password of any URL', () => {
    const line = jsonLine({ err: new Error('cannot reach postgres://jizhan:pa55word@db:5432/chat or redis://:r3dis@cache:6379') })
    const text = JSON.stringify(line)
    expect(text).not.toMatch(/pa55word|r3dis/)
    expect(text).toContain(`postgres://jizhan:${HIDDEN}@db:5432/chat`)
  })
})

describe('a pretty line', () => {
  it('reads as time, level, message and key=value fields, with the instance last', () => {
    const line = formatLine({ time: TIME, level: 'warn', msg: 'socket error', fields: { user: 12, reason: 'two words' } }, PRETTY)
    expect(line).toBe('08:30:05.123 WARN  socket error user=12 reason="two words" instance=abc123')
  })

  it('shows an error as name and message, its stack indented on the lines below', () => {
    const line = formatLine({ time: TIME, level: 'error', msg: 'frame failed', fields: { err: new TypeError('boom') } }, PRETTY)
    const [first, ...stack] = line.split('\n')
    expect(first).toBe('08:30:05.123 ERROR frame failed err="TypeError: boom" instance=abc123')
    expect(stack.length).toBeGreaterThan(0)
    for (const l of stack) expect(l).toMatch(/^ {4}at /)
  })

  it('is coloured only when asked', () => {
    const plain = formatLine({ time: TIME, level: 'error', msg: 'x' }, PRETTY)
    const coloured = formatLine({ time: TIME, level: 'error', msg: 'x' }, { ...PRETTY, color: true })
    expect(plain).not.toContain('\u001B[')
    expect(coloured).toContain('\u001B[31mERROR\u001B[0m')
  })
})

describe('the server log', () => {
  const saved = logOptions()
  const lines: Array<{ level: LogLevel, line: string }> = []
  const restoreSink = () => setLogSink((level, line) => void lines.push({ level, line }))
  let undo = restoreSink()
  afterEach(() => {
    undo()
    configureLog({ level: saved.level, format: saved.format, color: saved.color, instance: saved.instance })
    lines.length = 0
    undo = restoreSink()
  })

  it('drops lines below the configured level and writes the rest with the instance', () => {
    configureLog({ level: 'warn', instance: 'inst-1' })
    log.debug('a')
    log.info('b')
    log.warn('c', { user: 1 })
    log.error('d')
    expect(lines.map(l => l.level)).toEqual(['warn', 'error'])
    expect(JSON.parse(lines[0]!.line)).toMatchObject({ level: 'warn', msg: 'c', user: 1, instance: 'inst-1' })
    expect(log.enabled('info')).toBe(false)
  })

  it('never throws, whatever a field does', () => {
    const hostile = { get boom() {
      throw new Error('getter')
    } }
    expect(() => log.info('x', { hostile })).not.toThrow()
  })

  it('takes its level and format from the runtime config, falling back to the defaults on a bad value, and hides every secret setting', () => {
    configureLogFromConfig({ logLevel: 'DEBUG', logFormat: 'pretty', sessionSecret: 'z'.repeat(40), databaseUrl: 'postgres://u:dbpass99@h/db' }, false, {})
    log.debug('x', { problem: `${'z'.repeat(40)} dbpass99` })
    expect(lines[0]!.line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} DEBUG x problem="\[hidden\] \[hidden\]"/)
    configureLogFromConfig({ logLevel: 'loud', logFormat: 'xml' }, false, {})
    expect(logOptions()).toMatchObject({ level: 'info', format: 'json' })
  })
})
