import { useRuntimeConfig } from '#imports'
import { describeSettings } from '#shared/settings'
import { useCluster } from '../cluster/cluster'
import { ExitCode, startupCheck, watchListen } from '../infra/startup'

/**
 * Runs first (plugins run in file-name order): a start that cannot work stops here, loudly, with
 * exit code 1 and one line per problem, before the server listens or joins a cluster.
 * `node .output/server/index.mjs --check` (`npm start -- --check`) stops here in any case: it
 * prints the effective settings (secrets masked) and exits 0, or 1 with the problems.
 */
export default defineNitroPlugin(() => {
  const checkOnly = process.argv.includes('--check')
  const { problems, settings } = startupCheck(useRuntimeConfig() as never, process.env)
  for (const problem of problems) console.error(`[jizhan] ${problem}`)
  if (problems.length > 0 && (checkOnly || !import.meta.dev)) {
    console.error(`[jizhan] not started: ${problems.length} problem(s) above`)
    process.exit(ExitCode.StartFailed)
  }
  if (checkOnly && settings) {
    const port = process.env.NITRO_PORT || process.env.PORT || '3000'
    const host = process.env.NITRO_HOST || process.env.HOST || ''
    console.log([`PORT=${port}`, `HOST=${host}`, ...describeSettings(settings)].join('\n'))
    console.log('[jizhan] settings and data folder are valid')
    process.exit(ExitCode.Ok)
  }

  // Nitro listens after the plugins ran, and only logs a failed listen: the process would exit
  // with 0, or stay up without serving while it holds Redis connections. Stop with 1 instead,
  // leaving the cluster first if this instance had joined it.
  watchListen(process.env, (problem) => {
    console.error(`[jizhan] ${problem}`)
    const leave = Promise.race([useCluster().stop(), new Promise(resolve => setTimeout(resolve, 2000))])
    leave.finally(() => process.exit(ExitCode.StartFailed))
  })
})
