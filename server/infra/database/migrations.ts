import { PostgresAdapter, type Kysely, type Migration, type MigrationProvider } from 'kysely'

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

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}
