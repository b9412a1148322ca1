import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import type { Command } from './command'
import { UsageError } from './errors'

/** What the command line asked for. */
export interface Invocation {
  /** Undefined with `--help` alone. */
  command?: Command
  args: string[]
  options: Record<string, string | boolean | undefined>
  help: boolean
  json: boolean
}

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  json: { type: 'boolean', help: 'print JSON (for scripts) instead of text' },
  help: { type: 'boolean', help: 'say how to use the program, or the command' },
} as const

/**
 * Reads argv (without node and the script) into a command, its arguments and options. Throws
 * UsageError for anything it does not understand: an unknown command or option, an option the
 * command does not take, a missing or extra argument. Pure.
 */
export function parseInvocation(argv: readonly string[], commands: readonly Command[]): Invocation {
  const options: ParseArgsConfig['options'] = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }
  for (const command of commands) {
    for (const [name, spec] of Object.entries(command.options)) options[name] = { type: spec.type }
  }
  let parsed: { values: Record<string, string | boolean | undefined>, positionals: string[] }
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true }) as typeof parsed
  }
  catch (error) {
    // Node's messages say what is wrong; its hints about `--` suit a developer, not an operator.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''))
  }
  const { values, positionals } = parsed
  const help = values.help === true
  const json = values.json === true
  if (positionals.length === 0) {
    if (help) return { args: [], options: {}, help, json }
    throw new UsageError('no command given')
  }
  const command = commands.find(c => c.name === positionals.slice(0, 2).join(' ')) ?? commands.find(c => c.name === positionals[0])
  if (!command) throw new UsageError(`unknown command: ${positionals.slice(0, 2).join(' ')}`)
  const args = positionals.slice(command.name.split(' ').length)
  const own: Record<string, string | boolean | undefined> = {}
  for (const [name, value] of Object.entries(values)) {
    if (name in GLOBAL_OPTIONS) continue
    if (!(name in command.options)) throw new UsageError(`${command.name} takes no --${name}`, command.name)
    own[name] = value
  }
  if (help) return { command, args, options: own, help, json }
  if (args.length < command.args.length) throw new UsageError(`${command.name} needs ${command.args.slice(args.length).join(' ')}`, command.name)
  if (args.length > command.args.length) throw new UsageError(`${command.name} takes ${command.args.length === 0 ? 'no arguments' : command.args.join(' ')}, not "${args.slice(command.args.length).join(' ')}"`, command.name)
  return { command, args, options: own, help, json }
}
