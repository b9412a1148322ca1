import type { SqliteStatement } from 'kysely'
import { describe, expect, it } from 'vitest'
import { withStatementCache } from '../../server/infra/statementCache'

function fakeSqlite() {
  const prepared: string[] = []
  return {
    prepared,
    closed: false,
    prepare(sql: string): SqliteStatement {
      prepared.push(sql)
      return { reader: true, all: () => [sql], run: () => ({ changes: 0, lastInsertRowid: 0 }), iterate: () => [][Symbol.iterator]() }
    },
    close() {
      this.closed = true
    },
  }
}

describe('SQLite statement cache', () => {
  it('should compile a statement once and hand the same one back for the same SQL', () => {
    const sqlite = fakeSqlite()
    const db = withStatementCache(sqlite)
    const first = db.prepare('select 1')
    expect(db.prepare('select 1')).toBe(first)
    expect(db.prepare('select 2')).not.toBe(first)
    expect(sqlite.prepared).toEqual(['select 1', 'select 2'])
  })

  it('should drop the least recently used statement past its bound', () => {
    const sqlite = fakeSqlite()
    const db = withStatementCache(sqlite, 2)
    db.prepare('a')
    db.prepare('b')
    db.prepare('a') // a is now the most recently used
    db.prepare('c') // drops b
    db.prepare('a')
    db.prepare('b')
    expect(sqlite.prepared).toEqual(['a', 'b', 'c', 'b'])
  })

  it('should close the database it wraps', () => {
    const sqlite = fakeSqlite()
    withStatementCache(sqlite).close()
    expect(sqlite.closed).toBe(true)
  })
})
