#!/usr/bin/env node
/**
 * `npm run backup -- FILE [--force] [--quick]`: a consistent copy of the embedded SQLite database
 * (`<dataDir>/jizhan.sqlite`) while the server runs, through SQLite's online backup API. The data
 * folder and database come from the settings exactly as the server and `npm run admin` read them
 * (server/admin/settings.ts: Nitro's reading of NITRO_… / NUXT_…, then shared/settings.ts).
 *
 * The source is opened read-only and copied by whole passes: better-sqlite3 first runs a step of
 * no pages (it only starts the backup), then one step of all of them, which reads in one read
 * transaction, so the copy is the database as of one commit. A commit of the server's between
 * those two steps makes SQLite start over from the first page; either way the result is one
 * consistent snapshot. In WAL mode a reader never blocks the writer (the writer thread's
 * checkpoints are PASSIVE: they only cannot reset the WAL until the copy ends). The copy is written
 * beside FILE, switched to a self-contained rollback journal, checked (`PRAGMA integrity_check`, or
 * `quick_check` with --quick) and only then renamed to FILE, so FILE is never a half-written copy.
 * The session secret the data folder holds is copied to `FILE.session-secret`: without it every
 * session ends on restore (docs/deploy.md, "Backups and restore").
 *
 * Exit codes: 0 written and verified; 1 the copy or its check failed; 2 refused (PostgreSQL, FILE
 * exists, no database, bad arguments).
 */
import { constants, copyFileSync, existsSync, rmSync, renameSync, statSync, chmodSync, openSync, fsyncSync, closeSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import SQLite from 'better-sqlite3'
import { createJiti } from 'jiti'

// The settings as the server and the command line read them, from their own source (Node 20 runs
// no TypeScript: jiti compiles it on the fly, with the project's '#shared' alias).
const jiti = createJiti(import.meta.url, { alias: { '#shared': fileURLToPath(new URL('../shared', import.meta.url)) } })
const { settingsFromEnv } = await jiti.import('../server/admin/settings.ts')
const { sqliteFile } = await jiti.import('../server/infra/database/basics.ts')

const USAGE = 'usage: npm run backup -- FILE [--force] [--quick]'

/** A refusal: nothing was written. */
class Refused extends Error {}

function parse(argv) {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: {
    force: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  } })
  if (values.help) return { help: true }
  if (positionals.length !== 1) throw new Refused(USAGE)
  return { file: resolve(positionals[0]), force: values.force, quick: values.quick }
}

const sidecars = file => [`${file}-wal`, `${file}-shm`, `${file}-journal`]

/** The server's settings; settings it would refuse are refused here too (nothing written). */
function settings() {
  try {
    return settingsFromEnv()
  }
  catch (error) {
    throw new Refused(error.message)
  }
}

/** Every reason not to start, before anything is written. */
function check({ file, force }, env) {
  const { databaseUrl, dataDir: configured, sessionSecret } = settings()
  if (databaseUrl) {
    throw new Refused('the database is PostgreSQL (NUXT_DATABASE_URL or NITRO_DATABASE_URL is set), which this command does not copy. '
      + 'Use PostgreSQL\'s own tools (pg_dump -Fc, or base backups with WAL archiving): docs/deploy.md, "Backups and restore".')
  }
  const dataDir = resolve(configured)
  const source = sqliteFile(dataDir)
  if (!existsSync(source)) {
    const named = env.NITRO_DATA_DIR ? `NITRO_DATA_DIR "${env.NITRO_DATA_DIR}"` : env.NUXT_DATA_DIR ? `NUXT_DATA_DIR "${env.NUXT_DATA_DIR}"` : 'NUXT_DATA_DIR unset: .data'
    throw new Refused(`no database at ${source}. Run this where the server runs, with its data folder setting (now ${named}).`)
  }
  if (file === source || file.startsWith(`${source}-`)) throw new Refused(`${file} is the live database itself; write the copy elsewhere.`)
  if (!existsSync(dirname(file))) throw new Refused(`the folder ${dirname(file)} does not exist.`)
  const secretFile = sessionSecret ? undefined : join(dataDir, 'session-secret')
  const secretCopy = `${file}.session-secret`
  for (const target of [file, ...(secretFile && existsSync(secretFile) ? [secretCopy] : [])]) {
    if (existsSync(target) && !force) throw new Refused(`${target} already exists; pass --force to replace it.`)
  }
  return { dataDir, source, secretFile, secretCopy }
}

/** Copies `source` into `partial` as one snapshot (see the top of this file). Answers the pages copied. */
async function copy(source, partial) {
  const db = new SQLite(source, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    // All pages in one step after better-sqlite3's first, empty one: steps of a few pages would let
    // the writer's commits in between, and each commit restarts the backup from page 1; a server
    // that never rests would never finish.
    const { totalPages } = await db.backup(partial, { progress: () => 0x7fffffff })
    return totalPages
  }
  finally {
    db.close()
  }
}

/** Makes the copy stand alone (no -wal beside it) and checks it. Answers what it found. */
function verify(partial, quick) {
  const db = new SQLite(partial, { fileMustExist: true })
  try {
    db.pragma('journal_mode = DELETE')
    const problems = db.pragma(quick ? 'quick_check' : 'integrity_check', { simple: false }).map(row => Object.values(row)[0])
    const count = table => db.prepare(`SELECT count(*) AS n FROM ${table}`).get().n
    return { problems: problems.filter(p => p !== 'ok'), pageSize: db.pragma('page_size', { simple: true }), users: count('users'), messages: count('messages') }
  }
  finally {
    db.close()
  }
}

function durable(file) {
  const fd = openSync(file, 'r')
  try {
    fsyncSync(fd)
  }
  finally {
    closeSync(fd)
  }
}

function removeAll(file) {
  for (const f of [file, ...sidecars(file)]) rmSync(f, { force: true })
}

const mb = bytes => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 1)} MB`

async function main(argv, env) {
  const options = parse(argv)
  if (options.help) return console.log(`${USAGE}\n\nCopies <dataDir>/jizhan.sqlite (the server's settings) to FILE while the server runs, and its session secret to FILE.session-secret.\nSee docs/deploy.md, "Backups and restore".`)
  const { source, secretFile, secretCopy } = check(options, env)
  const { file, quick } = options
  const partial = `${file}.partial`
  const started = Date.now()
  removeAll(partial)
  try {
    const pages = await copy(source, partial)
    const found = verify(partial, quick)
    if (found.problems.length > 0) {
      throw new Error(`the copy failed ${quick ? 'quick_check' : 'integrity_check'}: ${found.problems.slice(0, 5).join('; ')}`)
    }
    // It holds password hashes and session hashes: readable by its owner only.
    chmodSync(partial, 0o600)
    durable(partial)
    // A -wal left beside an older FILE would be replayed into this one when it is opened.
    for (const f of sidecars(file)) rmSync(f, { force: true })
    renameSync(partial, file)
    durable(dirname(file))
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    console.log(`backup: wrote ${file}: ${mb(statSync(file).size)}, ${pages} pages of ${found.pageSize} bytes, `
      + `${found.users} users, ${found.messages} messages, in ${seconds} s; ${quick ? 'quick_check' : 'integrity_check'} ok`)
  }
  catch (error) {
    removeAll(partial)
    throw error
  }
  if (!secretFile) {
    console.log('backup: sessions are keyed by NUXT_SESSION_SECRET: keep it with your configuration (nothing copied)')
  }
  else if (existsSync(secretFile)) {
    copyFileSync(secretFile, secretCopy, options.force ? 0 : constants.COPYFILE_EXCL)
    chmodSync(secretCopy, 0o600)
    console.log(`backup: wrote ${secretCopy} (restore it as <dataDir>/session-secret, or every session ends)`)
  }
  else {
    console.log(`backup: no ${secretFile} (the server never started with this data folder?); nothing else to copy`)
  }
}

try {
  await main(process.argv.slice(2), process.env)
}
catch (error) {
  const refused = error instanceof Refused || String(error?.code).startsWith('ERR_PARSE_ARGS')
  console.error(`backup: ${refused ? '' : 'failed: '}${error?.message ?? error}`)
  process.exit(refused ? 2 : 1)
}
