import type { SqliteDatabase, SqliteStatement } from 'kysely'

/**
 * Keeps compiled statements for reuse. Kysely's SQLite driver calls `prepare` for every query, and
 * better-sqlite3 compiles the SQL each time; the same few statements (session lookup, stream head,
 * resume, history) run thousands of times a second, and compiling them was a tenth of
 * the server's time in the benchmark (docs/benchmarks.md). The least recently used statement is
 * dropped past `max`. Reuse is safe: Kysely runs one query at a time on its one SQLite connection.
 */
export function withStatementCache(sqlite: { prepare(sql: string): SqliteStatement, close(): void }, max = 256): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = cache.get(sql)
      if (statement) cache.delete(sql)
      else {
        statement = sqlite.prepare(sql)
        if (cache.size >= max) cache.delete(cache.keys().next().value!)
      }
      cache.set(sql, statement)
      return statement
    },
  }
}
