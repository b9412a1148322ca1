import { EventEmitter } from 'node:events'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { watchListen } from '../../server/infra/startup'

/** A failed listen as Node reports it (uncaught: Nitro has no error listener on its server). */
function listenError(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${syscall} ${code}`), { code, syscall })
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map(s => new Promise(resolve => s.close(resolve))))
})

function listen(): Promise<void> {
  const server = createServer()
  servers.push(server)
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve()))
}

describe('the start-up watch for a failed listen', () => {
  it('reports a listen that fails before the server listens', () => {
    const proc = new EventEmitter()
    const onProblem = vi.fn()
    const stop = watchListen({ PORT: '3999' }, onProblem, proc)
    proc.emit('uncaughtException', listenError('EADDRINUSE', 'listen'))
    expect(onProblem).toHaveBeenCalledWith('cannot listen on all interfaces port 3999: the port is already in use; stop the other process or set PORT to a free port')
    stop()
  })

  it('ignores other uncaught errors', () => {
    const proc = new EventEmitter()
    const onProblem = vi.fn()
    const stop = watchListen({}, onProblem, proc)
    proc.emit('uncaughtException', listenError('ECONNRESET', 'read'))
    expect(onProblem).not.toHaveBeenCalled()
    stop()
  })

  it('ends once a server listens: a later failed DNS lookup of some library is not a failed start', async () => {
    const proc = new EventEmitter()
    const onProblem = vi.fn()
    watchListen({ HOST: 'example.invalid' }, onProblem, proc)
    await listen()
    expect(proc.listenerCount('uncaughtException')).toBe(0)
    proc.emit('uncaughtException', listenError('ENOTFOUND', 'getaddrinfo'))
    expect(onProblem).not.toHaveBeenCalled()
  })
})
