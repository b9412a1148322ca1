#!/usr/bin/env node
// `npm run admin -- …`: bundles the operator's command line from source (scripts/adminBundle.mjs),
// runs it and removes the bundle. A production build has the same program as
// .output/server/admin.mjs. Usage: `npm run admin -- --help`; docs/operations.md.
import { mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { buildAdmin } from './adminBundle.mjs'

// Inside the project's node_modules, so the packages left out of the bundle are found from it;
// one file per process, so two runs at once never share one.
const dir = fileURLToPath(new URL('../node_modules/.cache/jizhan-admin/', import.meta.url))
mkdirSync(dir, { recursive: true })
const file = `${dir}admin-${process.pid}.mjs`
try {
  await buildAdmin(file)
  await import(pathToFileURL(file).href)
}
finally {
  rmSync(file, { force: true })
}
