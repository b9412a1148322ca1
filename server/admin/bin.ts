import { relative } from 'node:path'
import { main } from './cli'
import { readPipedStdin } from './stdin'

/**
 * The program: `npm run admin -- …` runs it from source (scripts/admin.mjs bundles it first), and
 * `node .output/server/admin.mjs …` from a production build (nuxt.config.ts writes it there).
 */
const program = process.env.npm_lifecycle_event === 'admin' ? 'npm run admin --' : `node ${relative(process.cwd(), process.argv[1] ?? 'admin.mjs')}`

process.exitCode = await main(process.argv.slice(2), {
  out: text => process.stdout.write(`${text}\n`),
  err: text => process.stderr.write(`${text}\n`),
  readStdin: () => readPipedStdin(process.stdin, program),
}, program)
