#!/usr/bin/env node
// The whole test suite, as the README's test command: lint, typecheck, production build, vitest
// (unit, store, contract against the build), `nuxi dev` with browsers killed while connected
// (vitest project dev) and Playwright (two browser contexts against the build).
// Every stage runs even when an earlier one failed, so one run shows everything; the last line is
// `N passed, N failed`, summed over all runners (a failed lint/typecheck/build counts as one failure,
// and so do temp folders the tests left behind).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createRunTmp, finishRunTmp } from './runTmp.mjs'

const results = 'test-results'
rmSync(results, { recursive: true, force: true })
mkdirSync(results, { recursive: true })

let passed = 0
let failed = 0
const lines = []

function run(name, cmd, args, env = {}) {
  console.log(`\n▶ ${name}: ${cmd} ${args.join(' ')}`)
  const started = Date.now()
  const { status } = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } })
  lines.push(`${status === 0 ? 'ok  ' : 'FAIL'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  return status === 0
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  }
  catch {
    return undefined
  }
}

/** Adds a vitest JSON report to the totals. */
function countVitest(file) {
  const report = readJson(file)
  if (!report) {
    failed++
    return
  }
  passed += report.numPassedTests
  failed += report.numFailedTests
  // A file that fails before its tests run (setup threw) has no failed tests to count: count it.
  failed += report.testResults.filter(f => f.status === 'failed' && f.assertionResults.every(t => t.status !== 'failed')).length
  if (report.numTotalTests === 0) failed++
}

const npx = 'npx'
const runTmp = createRunTmp()
const env = { NUXT_TELEMETRY_DISABLED: '1', CI: process.env.CI ?? '', TMPDIR: runTmp }

for (const [name, args] of [['lint', ['eslint', '.']], ['typecheck', ['nuxi', 'typecheck']], ['build', ['nuxi', 'build']]]) {
  if (!run(name, npx, args, env)) failed++
}

const buildOk = existsSync('.output/server/index.mjs')

run('vitest (unit, store, component, storage, contract)', npx, ['vitest', 'run', '--project', 'unit', '--project', 'store', '--project', 'component', '--project', 'storage', '--project', 'contract', '--reporter=default', '--reporter=json', `--outputFile.json=${results}/vitest.json`], env)
countVitest(`${results}/vitest.json`)

// Alone, after the others: it runs `nuxi dev` and Chromiums, which would compete with timed tests.
run('vitest (dev server)', npx, ['vitest', 'run', '--project', 'dev', '--reporter=default', '--reporter=json', `--outputFile.json=${results}/vitest-dev.json`], env)
countVitest(`${results}/vitest-dev.json`)

if (buildOk) {
  run('playwright (e2e)', npx, ['playwright', 'test'], env)
  const pw = readJson(`${results}/playwright.json`)
  if (pw) {
    passed += pw.stats.expected + pw.stats.flaky
    failed += pw.stats.unexpected
    if (pw.stats.expected + pw.stats.unexpected + pw.stats.flaky === 0) failed++
  }
  else {
    failed++
  }
}
else {
  lines.push('FAIL playwright (e2e): skipped, no build')
  failed++
}

const leftBehind = finishRunTmp(runTmp)
if (leftBehind.length > 0) failed++
lines.push(leftBehind.length > 0 ? `FAIL temp folders: the tests left ${leftBehind.length} behind: ${leftBehind.join(', ')}` : 'ok   temp folders: none left behind')

console.log(`\n${lines.join('\n')}`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
