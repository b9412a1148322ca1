import { useRuntimeConfig } from '#imports'
import { describeSettings } from '#shared/settings'
import { useCluster } from '../cluster/cluster'
import { configureLogFromConfig, log } from '../infra/log'
import { ExitCode, startupCheck, watchListen } from '../infra/startup'

/**
 * Runs first (plugins run in file-name order): it configures the log, and a start that cannot work
 * stops here, loudly, with exit code 1 and one log line per problem, before the server listens or
 * joins a cluster. `node .output/server/index.mjs --check` (`npm start -- --check`) stops here in
 * any case: it prints the effective settings (secrets masked) as plain `NAME=value` lines (a
 * report for people and deploy scripts, not log lines) and exits 0, or 1 with the problems.
 */
export default defineNitroPlugin(() => {
  const config = useRuntimeConfig() as unknown as Record<string, unknown>
  configureLogFromConfig(config, !!import.meta.dev)
  const checkOnly = process.argv.includes('--check')
  const { problems, settings } = startupCheck(config as never, process.env)
  for (const problem of problems) log.error('start-up problem', { problem })
  if (problems.length > 0 && (checkOnly || !import.meta.dev)) {
    log.error('not started', { problems: problems.length })
    process.exit(ExitCode.StartFailed)
  }
  if (checkOnly && settings) {
    const port = process.env.NITRO_PORT || process.env.PORT || '3000'
    const host = process.env.NITRO_HOST || process.env.HOST || ''
    const lines = [`PORT=${port}`, `HOST=${host}`, ...describeSettings(settings), 'settings and data folder are valid']
    process.stdout.write(`${lines.join('\n')}\n`)
    process.exit(ExitCode.Ok)
  }
  if (settings) log.info('starting', { storage: settings.databaseUrl ? 'postgres' : 'sqlite', redis: settings.redisUrl !== '', metrics: settings.metricsToken !== '', retentionDays: settings.messageRetentionDays, node: process.version })

  // Nitro listens after the plugins ran, and only logs a failed listen: the process would exit
  // with 0, or stay up without serving while it holds Redis connections. Stop with 1 instead,
  // leaving the cluster first if this instance had joined it.
  watchListen(process.env, (problem) => {
    log.error('start-up problem', { problem })
    const leave = Promise.race([useCluster().stop(), new Promise(resolve => setTimeout(resolve, 2000))])
    leave.finally(() => process.exit(ExitCode.StartFailed))
  })
})
