#!/usr/bin/env node
// Micro-benchmark of the hot path's validation: parseClientFrame on the frames a busy relay sees
// (send, ping, delivered, read) and on refused ones. `node bench/micro/parseClientFrame.mjs [path to
// protocol/index.ts, or an older protocol.ts]` (default: shared/protocol/index.ts), so an older
// version can be measured the same way.
// Prints nanoseconds per call, the median of 7 rounds.
import { createRequire } from 'node:module'
import { resolve } from 'node:path'

const require = createRequire(import.meta.url)
const jiti = require('jiti')(import.meta.url)

const file = resolve(process.argv[2] ?? new URL('../../shared/protocol/index.ts', import.meta.url).pathname)
const { parseClientFrame } = jiti(file)

const frames = {
  'send': JSON.stringify({ type: 'send', cid: '3f1c2a9e-1b7d-4c55-9d0e-6a1f2b3c4d5e', to: 12345, text: 'hello there, how are you doing today?' }),
  'ping': '{"type":"ping"}',
  'read': '{"type":"read","peer":12345,"seq":678}',
  'bad send': JSON.stringify({ type: 'send', cid: 'c1', to: 'bob', text: 'hi' }),
  'bad json': '{nope',
}

const ROUNDS = 7
const N = 200_000
for (const [name, text] of Object.entries(frames)) {
  const times = []
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < N; i++) parseClientFrame(text)
    times.push(Number(process.hrtime.bigint() - start) / N)
  }
  times.sort((a, b) => a - b)
  console.log(`${name.padEnd(10)} ${times[ROUNDS >> 1].toFixed(0).padStart(6)} ns/call`)
}
