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
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}
