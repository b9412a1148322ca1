import type { Command } from '../command'
import { bytes, table } from '../format'
import { countEverything } from '../stats'

export const stats: Command = {
  name: 'stats',
  args: [],
  options: {},
  summary: 'counts of accounts, sessions, conversations, messages; database size',
  help: ['Counts what the database holds. Counting every message reads a whole index: on a big database it takes a moment.'],
  example: 'stats',
  async run(ctx) {
    const s = await countEverything(ctx.db, ctx.now, ctx.database.file)
    const n = (v: number) => v.toLocaleString('en-US')
    return {
      json: s,
      text: table(['WHAT', 'COUNT'], [
        ['accounts', n(s.users)],
        ['  disabled', n(s.disabledUsers)],
        ['sessions (live)', n(s.sessions)],
        ['conversations (pairs)', n(s.conversations)],
        ['groups', n(s.groups)],
        ['messages', n(s.messages)],
        ['database', `${bytes(s.databaseBytes)} (${s.database === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${ctx.database.where})`],
      ]),
    }
  },
}
