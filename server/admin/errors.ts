/** Exit codes of the operator's command line (docs/operations.md). */
export const AdminExit = {
  Ok: 0,
  /** The command ran and failed: no such account, no database, a schema of another version… */
  Failed: 1,
  /** The command line itself was wrong: unknown command or option, missing argument. */
  Usage: 2,
} as const

/** A command that cannot do what was asked; `code` is for scripts (`--json`), the message for people. */
export class AdminError extends Error {
  constructor(readonly code: string, message: string) {
    super(message)
  }
}

/** The command line was not one the program understands (exit code 2, with a usage line). */
export class UsageError extends Error {
  /** `command`: the command whose usage to show (else the general one). */
  constructor(message: string, readonly command?: string) {
    super(message)
  }
}
