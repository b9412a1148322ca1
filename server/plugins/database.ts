/** Opens the database and applies migrations at start-up, so a broken schema fails loudly and early. */
export default defineNitroPlugin(() => {
  useDb().catch((error) => {
    console.error('[db] could not open the database', error)
    process.exitCode = 1
  })
})
