/** Opens the database and applies migrations at start-up, so a broken schema fails loudly and early. */
export default defineNitroPlugin(() => {
  // The session secret too: generated into the data folder on the first start, not the first sign-in.
  useSessionSecret()
  useDb().catch((error) => {
    console.error('[db] could not open the database', error)
    process.exitCode = 1
  })
})
