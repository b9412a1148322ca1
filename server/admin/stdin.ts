import { AdminError } from './errors'

/** Standard input as the command line reads it: a stream, a terminal or not. */
export type Input = AsyncIterable<Buffer | string> & { isTTY?: boolean }

/**
 * Everything piped to standard input (for `reset-password --stdin`). Refuses a terminal: what is
 * typed there is echoed, so the password would stay on the screen and in its scrollback.
 */
export async function readPipedStdin(input: Input, program: string): Promise<string> {
  if (input.isTTY) {
    throw new AdminError('stdin_is_terminal', 'Standard input is a terminal, where the password would show as it is typed. '
      + `Pipe it in: printf '%s\\n' "$PASSWORD" | ${program} users reset-password NAME --stdin (or leave out --stdin for a generated one).`)
  }
  const chunks: Buffer[] = []
  for await (const chunk of input) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}
