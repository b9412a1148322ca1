import { parseInvocation, GLOBAL_OPTIONS } from './args'
import { usageOf } from './command'
import type { Command } from './command'
import { sessionsList, sessionsRevoke } from './commands/sessions'
import { stats } from './commands/stats'
import { usersDisable, usersEnable, usersFind, usersList, usersResetPassword } from './commands/users'
import { openAdminDatabase } from './database'
import type { AdminDatabase } from './database'
import { AdminError, AdminExit, UsageError } from './errors'
import { settingsFromEnv } from './settings'

/**
 * The operator's command line (docs/operations.md): accounts, sessions and counts, on the server's
 * database, read with the server's settings. Each command is a module under commands/ over the
 * functions of accounts.ts, sessions.ts and stats.ts; this file reads the command line, opens the
 * database, prints and picks the exit code (0 done, 1 failed, 2 usage).
 */

export const COMMANDS: readonly Command[] = [usersList, usersFind, usersDisable, usersEnable, usersResetPassword, sessionsList, sessionsRevoke, stats]

/** Where the command line prints and reads (the process's streams; tests pass their own). */
export interface CliIo {
  out(text: string): void
  err(text: string): void
  readStdin(): Promise<string>
}

/** The whole help: every command, the common options, where the data comes from. */
export function usage(program: string): string {
  const width = Math.max(...COMMANDS.map(c => usageOf(c).length))
  return [
    `Usage: ${program} COMMAND [ARGUMENTS] [--json]`,
    '',
    'Commands:',
    ...COMMANDS.map(c => `  ${usageOf(c).padEnd(width)}  ${c.summary}`),
    '',
    'Options of every command:',
    ...Object.entries(GLOBAL_OPTIONS).map(([name, spec]) => `  --${name.padEnd(width - 2)}  ${spec.help}`),
    '',
    'NAME is a username as typed at sign-in (any case or width), or #ID. The database and Redis are',
    'the server\'s, found with its settings: NUXT_DATA_DIR or NUXT_DATABASE_URL, NUXT_REDIS_URL.',
    `Exit codes: 0 done, 1 failed, 2 usage. More: ${program} COMMAND --help; docs/operations.md.`,
  ].join('\n')
}

/** One command's help. */
export function commandUsage(program: string, command: Command): string {
  const options = Object.entries<{ value?: string, help: string }>({ ...command.options, ...GLOBAL_OPTIONS })
    .map(([name, spec]) => [spec.value ? `${name} ${spec.value}` : name, spec.help] as const)
  const width = Math.max(...options.map(([name]) => name.length))
  return [
    `Usage: ${program} ${usageOf(command)} [--json]`,
    '',
    ...command.help,
    '',
    ...options.map(([name, help]) => `  --${name.padEnd(width)}  ${help}`),
    '',
    `Example: ${program} ${command.example}`,
  ].join('\n')
}

/** Runs one command line; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo, program = 'npm run admin --'): Promise<number> {
  const json = argv.includes('--json')
  const fail = (code: string, message: string) => io.err(json ? JSON.stringify({ error: { code, message } }) : `error: ${message}`)
  const usageError = (error: UsageError) => {
    fail('usage', error.message)
    const command = COMMANDS.find(c => c.name === error.command)
    io.err(`Usage: ${program} ${command ? usageOf(command) : 'COMMAND [ARGUMENTS] [--json]'}  (${program} ${command ? `${command.name} ` : ''}--help says more)`)
    return AdminExit.Usage
  }
  let invocation
  try {
    invocation = parseInvocation(argv, COMMANDS)
  }
  catch (error) {
    if (error instanceof UsageError) return usageError(error)
    throw error
  }
  const { command } = invocation
  if (invocation.help || !command) {
    io.out(command ? commandUsage(program, command) : usage(program))
    return AdminExit.Ok
  }
  let database: AdminDatabase | undefined
  try {
    const settings = settingsFromEnv()
    database = await openAdminDatabase(settings)
    const output = await command.run({
      db: database.db, database, settings, args: invocation.args, options: invocation.options, now: Date.now(), readStdin: io.readStdin,
    })
    io.out(json ? JSON.stringify(output.json, null, 2) : output.text.join('\n'))
    return AdminExit.Ok
  }
  catch (error) {
    if (error instanceof UsageError) return usageError(new UsageError(error.message, command.name))
    if (error instanceof AdminError) fail(error.code, error.message)
    else fail('internal', `${command.name} failed: ${(error as Error)?.message ?? String(error)}`)
    return AdminExit.Failed
  }
  finally {
    await database?.db.destroy()
  }
}
