import type { Kysely } from 'kysely'
import type { Settings } from '#shared/settings'
import type { Database } from '../infra/database/schema'
import type { AdminDatabase } from './database'
import { UsageError } from './errors'

/** What a command gets to work with. */
export interface CommandContext {
  db: Kysely<Database>
  database: AdminDatabase
  settings: Settings
  /** The positional arguments after the command's name, as many as it declares. */
  args: string[]
  options: Record<string, string | boolean | undefined>
  now: number
  /** Everything on standard input (for `reset-password --stdin`). */
  readStdin(): Promise<string>
}

/** What a command prints: `json` with --json, else `text`, one line per entry. */
export interface CommandOutput {
  json: unknown
  text: string[]
}

export interface OptionSpec {
  type: 'string' | 'boolean'
  /** What the value is called in the usage line (string options). */
  value?: string
  help: string
}

export interface Command {
  /** One or two words: `stats`, `users list`. */
  name: string
  /** Names of the positional arguments, all required. */
  args: readonly string[]
  /** The usage line when the options' own would mislead (`(--all | --id PREFIX)`). */
  usage?: string
  options: Record<string, OptionSpec>
  /** One line for the command list. */
  summary: string
  /** What it does, for `COMMAND --help`. */
  help: string[]
  /** An example command line, without the program. */
  example: string
  run(ctx: CommandContext): Promise<CommandOutput>
}

/** The usage line of a command: `users list [--limit N] [--after ID]`. */
export function usageOf(command: Command): string {
  if (command.usage) return command.usage
  const options = Object.entries(command.options).map(([name, spec]) => `[--${name}${spec.value ? ` ${spec.value}` : ''}]`)
  return [command.name, ...command.args, ...options].join(' ')
}

/** A whole-number option from `min` to `max`, or `fallback` when not given. */
export function intOption(ctx: CommandContext, name: string, min: number, max: number, fallback: number): number {
  const raw = ctx.options[name]
  if (raw === undefined) return fallback
  const n = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`)
  return n
}
