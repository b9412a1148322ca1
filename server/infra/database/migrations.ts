import { PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import { usernameKey } from '#shared/usernames'
import type { UsersTable } from './schema'
import { log } from '../log'

/** An auto-incrementing integer primary key in the dialect at hand. */
function idColumnType(db: Kysely<unknown>): 'serial' | 'integer' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'serial' : 'integer'
}

/**
 * Versioned schema migrations, applied in name order at start-up. Append new ones; never edit one
 * that has shipped.
 */
export const migrations: Record<string, Migration> = {
  '0001_accounts': {
    async up(db: Kysely<unknown>) {
      const idType = idColumnType(db)
      await db.schema.createTable('users')
        .addColumn('id', idType, c => idType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey())
        .addColumn('username', 'text', c => c.notNull())
        .addColumn('username_key', 'text', c => c.notNull().unique())
        .addColumn('password_hash', 'text', c => c.notNull())
        .addColumn('created_at', 'bigint', c => c.notNull())
        .execute()
      await db.schema.createTable('sessions')
        .addColumn('id_hash', 'text', c => c.primaryKey())
        .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', c => c.notNull())
        .addColumn('expires_at', 'bigint', c => c.notNull())
        .execute()
      await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute()
      await db.schema.createTable('ws_tickets')
        .addColumn('token_hash', 'text', c => c.primaryKey())
        .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('session_hash', 'text', c => c.notNull())
        .addColumn('expires_at', 'bigint', c => c.notNull())
        .execute()
    },
  },
  '0002_messages': {
    async up(db: Kysely<unknown>) {
      const idType = idColumnType(db)
      // One row per pair of users; lo < hi. Receipts are cumulative sequence numbers per side.
      await db.schema.createTable('conversations')
        .addColumn('id', 'text', c => c.primaryKey())
        .addColumn('user_lo', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('user_hi', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('last_seq', 'integer', c => c.notNull().defaultTo(0))
        .addColumn('lo_delivered', 'integer', c => c.notNull().defaultTo(0))
        .addColumn('lo_read', 'integer', c => c.notNull().defaultTo(0))
        .addColumn('hi_delivered', 'integer', c => c.notNull().defaultTo(0))
        .addColumn('hi_read', 'integer', c => c.notNull().defaultTo(0))
        .execute()
      await db.schema.createIndex('conversations_user_lo').on('conversations').column('user_lo').execute()
      await db.schema.createIndex('conversations_user_hi').on('conversations').column('user_hi').execute()
      await db.schema.createTable('messages')
        .addColumn('id', idType, c => idType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey())
        .addColumn('conversation_id', 'text', c => c.notNull().references('conversations.id').onDelete('cascade'))
        .addColumn('seq', 'integer', c => c.notNull())
        .addColumn('sender_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('recipient_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('cid', 'text', c => c.notNull())
        .addColumn('text', 'text', c => c.notNull())
        .addColumn('created_at', 'bigint', c => c.notNull())
        .addUniqueConstraint('messages_conversation_seq', ['conversation_id', 'seq'])
        // The deduplication key: a resend after a lost ack finds the stored message.
        .addUniqueConstraint('messages_sender_cid', ['sender_id', 'cid'])
        .execute()
      // Each user's event stream: what their devices resume from, in order.
      await db.schema.alterTable('users').addColumn('stream_head', 'integer', c => c.notNull().defaultTo(0)).execute()
      await db.schema.createTable('events')
        .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('pos', 'integer', c => c.notNull())
        .addColumn('kind', 'text', c => c.notNull())
        .addColumn('conversation_id', 'text', c => c.notNull())
        .addColumn('message_id', 'integer')
        .addPrimaryKeyConstraint('events_pk', ['user_id', 'pos'])
        .execute()
    },
  },
  '0003_events_by_message': {
    // A resent message is relayed again from its stored events (several instances: the first
    // relay may have died with its instance), so they are found by message.
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('events_message').on('events').column('message_id').execute()
    },
  },
}

/**
 * Groups (issue 12). A conversation is direct (`user_lo`/`user_hi`, receipts in its row, as before)
 * or a group (`name`, members in `members`, each with their receipts); messages of a group have no
 * recipient, and system lines (`kind = 'system'`) take seqs like messages. SQLite cannot drop a NOT
 * NULL constraint, so there the two tables are rebuilt (with foreign keys off: migrate() in db.ts);
 * every row is copied with its id.
 */
async function groupsUp(db: Kysely<unknown>) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  if (postgres) {
    await sql`ALTER TABLE conversations ALTER COLUMN user_lo DROP NOT NULL, ALTER COLUMN user_hi DROP NOT NULL`.execute(db)
    await sql`ALTER TABLE messages ALTER COLUMN recipient_id DROP NOT NULL`.execute(db)
    await db.schema.alterTable('conversations').addColumn('kind', 'text', c => c.notNull().defaultTo('direct')).execute()
    await db.schema.alterTable('conversations').addColumn('name', 'text').execute()
    await db.schema.alterTable('conversations').addColumn('member_count', 'integer', c => c.notNull().defaultTo(2)).execute()
    await db.schema.alterTable('conversations').addColumn('created_at', 'bigint', c => c.notNull().defaultTo(0)).execute()
    await db.schema.alterTable('messages').addColumn('kind', 'text', c => c.notNull().defaultTo('text')).execute()
  }
  else {
    await sql`CREATE TABLE conversations_v4 (
      id text PRIMARY KEY,
      kind text NOT NULL DEFAULT 'direct',
      name text,
      member_count integer NOT NULL DEFAULT 2,
      created_at bigint NOT NULL DEFAULT 0,
      user_lo integer REFERENCES users (id) ON DELETE CASCADE,
      user_hi integer REFERENCES users (id) ON DELETE CASCADE,
      last_seq integer NOT NULL DEFAULT 0,
      lo_delivered integer NOT NULL DEFAULT 0,
      lo_read integer NOT NULL DEFAULT 0,
      hi_delivered integer NOT NULL DEFAULT 0,
      hi_read integer NOT NULL DEFAULT 0)`.execute(db)
    await sql`INSERT INTO conversations_v4 (id, user_lo, user_hi, last_seq, lo_delivered, lo_read, hi_delivered, hi_read)
      SELECT id, user_lo, user_hi, last_seq, lo_delivered, lo_read, hi_delivered, hi_read FROM conversations`.execute(db)
    await sql`DROP TABLE conversations`.execute(db)
    await sql`ALTER TABLE conversations_v4 RENAME TO conversations`.execute(db)
    await db.schema.createIndex('conversations_user_lo').on('conversations').column('user_lo').execute()
    await db.schema.createIndex('conversations_user_hi').on('conversations').column('user_hi').execute()
    await sql`CREATE TABLE messages_v4 (
      id integer PRIMARY KEY AUTOINCREMENT,
      conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      seq integer NOT NULL,
      sender_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      recipient_id integer REFERENCES users (id) ON DELETE CASCADE,
      kind text NOT NULL DEFAULT 'text',
      cid text NOT NULL,
      text text NOT NULL,
      created_at bigint NOT NULL,
      CONSTRAINT messages_conversation_seq UNIQUE (conversation_id, seq),
      CONSTRAINT messages_sender_cid UNIQUE (sender_id, cid))`.execute(db)
    await sql`INSERT INTO messages_v4 (id, conversation_id, seq, sender_id, recipient_id, cid, text, created_at)
      SELECT id, conversation_id, seq, sender_id, recipient_id, cid, text, created_at FROM messages`.execute(db)
    await sql`DROP TABLE messages`.execute(db)
    await sql`ALTER TABLE messages_v4 RENAME TO messages`.execute(db)
  }
  // A member's receipts; `left_seq` is set when they leave or are removed (the row stays, so a
  // line sent before it is still theirs and one after it never is); added again, the row is reset.
  await db.schema.createTable('members')
    .addColumn('conversation_id', 'text', c => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', c => c.notNull())
    .addColumn('joined_seq', 'integer', c => c.notNull())
    .addColumn('left_seq', 'integer')
    .addColumn('joined_at', 'bigint', c => c.notNull())
    .addColumn('delivered', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('read', 'integer', c => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('members_pk', ['conversation_id', 'user_id'])
    .execute()
  await db.schema.createIndex('members_user').on('members').columns(['user_id', 'left_seq']).execute()
}

migrations['0004_groups'] = { up: groupsUp }

/**
 * Names in any script (issue 13): keys become usernameKey() (NFKC + full case fold) instead of
 * toLowerCase(). Names so far were ASCII (`^[\w.-]+$`), whose key is unchanged, so this normally
 * rewrites nothing; a row whose key would change (a name put in by hand, or by a looser rule) is
 * moved when its new key is free. When another account holds it already, the row keeps its old
 * key, so neither account is locked out or merged: sign-in tries the old key of what was typed
 * second (auth/users.ts), and no new account can take either key. The earlier row (lower id)
 * wins when several would move to one key. Rows are read in pages, not all at once.
 *
 * On PostgreSQL, prefix search compares keys under COLLATE "C" (code point order, whatever the
 * database's collation): this index serves those ranges and their order.
 */
async function usernameKeysUp(untyped: Kysely<unknown>) {
  const db = untyped as Kysely<{ users: Pick<UsersTable, 'id' | 'username' | 'username_key'> }>
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`CREATE INDEX users_username_key_c ON users (username_key COLLATE "C")`.execute(db)
  }
  const kept: number[] = []
  for (let after = 0; ;) {
    const rows = await db.selectFrom('users')
      .select(['id', 'username', 'username_key']).where('id', '>', after).orderBy('id').limit(1000).execute()
    if (rows.length === 0) break
    after = rows.at(-1)!.id
    for (const row of rows) {
      const key = usernameKey(row.username)
      if (key === row.username_key) continue
      const holder = await db.selectFrom('users').select('id').where('username_key', '=', key).executeTakeFirst()
      if (holder) kept.push(row.id)
      else await db.updateTable('users').set({ username_key: key }).where('id', '=', row.id).execute()
    }
  }
  // Their new key is another account's: they keep the old one (ids only, never the usernames).
  if (kept.length > 0) log.warn('migration kept old username keys', { migration: '0005', accounts: kept.length, ids: kept.slice(0, 50) })
}

migrations['0005_username_keys'] = { up: usernameKeysUp }

/**
 * The operator's command line (issue 14): an account can be disabled (`disabled_at`, null while
 * enabled), and the command line tells running servers what it did through `admin_notices`, the
 * one channel every deployment shares with it: each server reads the rows after the newest it has
 * seen, about twice a second (server/admin/noticeWatch.ts). The id only grows (AUTOINCREMENT on
 * SQLite, a sequence on PostgreSQL), so a reader's cursor never skips a row.
 */
async function accountAdminUp(db: Kysely<unknown>) {
  const idType = idColumnType(db)
  await db.schema.alterTable('users').addColumn('disabled_at', 'bigint').execute()
  await db.schema.createTable('admin_notices')
    .addColumn('id', idType, c => idType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey())
    .addColumn('kind', 'text', c => c.notNull())
    .addColumn('user_id', 'integer', c => c.notNull())
    .addColumn('sessions', 'text', c => c.notNull())
    .addColumn('created_at', 'bigint', c => c.notNull())
    .execute()
}

migrations['0006_account_admin'] = { up: accountAdminUp }

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}
