/** The SQLite writer thread's bundled code (scripts/sqliteWriterSource.mjs, served by nuxt.config.ts). */
declare module '#sqlite-writer-source' {
  const source: string
  export default source
}
