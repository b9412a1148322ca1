import { existsSync, statSync } from 'node:fs'
import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import { hasRowLocks } from '../infra/database/basics'
import type { Database } from '../infra/database/schema'

/** What `stats` counts. */
export interface Stats {
  database: 'sqlite' | 'postgres'
  users: number
  disabledUsers: number
  /** Sessions that have not expired. */
  sessions: number
  /** Direct conversations (pairs of people). */
  conversations: number
  groups: number
  messages: number
  /** The SQLite file with its write-ahead log, or the PostgreSQL database (pg_database_size). */
  databaseBytes: number
}

/**
 * Counts for the operator. Each is one query; counting every message reads a whole index, which
 * on a big database takes a moment (nothing else waits for it: it is a read).
 */
export async function countEverything(db: Kysely<Database>, now: number, sqliteFile?: string): Promise<Stats> {
  const count = (n: { n: number | string | bigint } | undefined) => Number(n?.n ?? 0)
  const users = await db.selectFrom('users').select(eb => [eb.fn.countAll().as('n'), eb.fn.count('disabled_at').as('disabled')]).executeTakeFirstOrThrow()
  const sessions = await db.selectFrom('sessions').select(eb => eb.fn.countAll().as('n')).where('expires_at', '>', now).executeTakeFirst()
  const kinds = await db.selectFrom('conversations').select(eb => ['kind', eb.fn.countAll().as('n')]).groupBy('kind').execute()
  const messages = await db.selectFrom('messages').select(eb => eb.fn.countAll().as('n')).executeTakeFirst()
  const postgres = hasRowLocks(db)
  return {
    database: postgres ? 'postgres' : 'sqlite',
    users: count(users),
    disabledUsers: Number(users.disabled),
    sessions: count(sessions),
    conversations: count(kinds.find(k => k.kind === 'direct')),
    groups: count(kinds.find(k => k.kind === 'group')),
    messages: count(messages),
    databaseBytes: postgres ? await postgresSize(db) : sqliteSize(sqliteFile),
  }
}

async function postgresSize(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ bytes: string }>`SELECT pg_database_size(current_database()) AS bytes`.execute(db)
  return Number(rows[0]?.bytes ?? 0)
}

function sqliteSize(file: string | undefined): number {
  if (!file) return 0
  return [file, `${file}-wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0)
}
