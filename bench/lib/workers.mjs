import { fork } from 'node:child_process'

/**
 * Load-generator child processes, driven by request/response over IPC. `call(i, cmd)` talks to one,
 * `all(cmds)` to every worker at once (one command each) and resolves with their answers.
 */
export function startWorkers(script, count, execArgv = []) {
  const procs = Array.from({ length: count }, () => fork(script, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  let next = 0
  const pending = new Map()
  for (const proc of procs) {
    proc.on('message', (msg) => {
      const p = pending.get(msg.id)
      if (!p) return
      pending.delete(msg.id)
      if (msg.error) p.reject(new Error(msg.error))
      else p.resolve(msg.result)
    })
    proc.on('exit', (code) => {
      for (const [id, p] of pending) {
        if (p.proc === proc) {
          pending.delete(id)
          p.reject(new Error(`generator worker exited (${code})`))
        }
      }
    })
  }
  const call = (i, msg, timeoutMs = 180_000) => new Promise((resolve, reject) => {
    const id = ++next
    const timer = setTimeout(() => {
      pending.delete(id)
      reject(new Error(`generator worker timed out on ${msg.cmd}`))
    }, timeoutMs)
    pending.set(id, {
      proc: procs[i],
      resolve: v => (clearTimeout(timer), resolve(v)),
      reject: e => (clearTimeout(timer), reject(e)),
    })
    procs[i].send({ ...msg, id })
  })
  return {
    pids: procs.map(p => p.pid),
    count,
    call,
    all: (msgs, timeoutMs) => Promise.all(msgs.map((m, i) => call(i, m, timeoutMs))),
    stop: () => Promise.all(procs.map(p => new Promise((resolve) => {
      if (p.exitCode !== null) return resolve()
      p.once('exit', resolve)
      p.disconnect()
      setTimeout(() => p.kill('SIGKILL'), 3000).unref()
    }))),
  }
}

/** Splits `items` into `n` nearly equal consecutive parts. */
export function split(items, n) {
  return Array.from({ length: n }, (_, i) => items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)))
}

/**
 * The worker's side of `startWorkers`: answers each `{ id, cmd, … }` with what `commands[cmd]`
 * returns (or its error), and exits when the parent goes.
 */
export function serveCommands(commands) {
  process.on('message', async (msg) => {
    try {
      process.send({ id: msg.id, result: await commands[msg.cmd](msg) })
    }
    catch (error) {
      process.send({ id: msg.id, error: String(error?.stack ?? error) })
    }
  })
  process.on('disconnect', () => process.exit(0))
}
