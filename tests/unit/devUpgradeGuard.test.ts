import { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { describe, expect, it, vi } from 'vitest'
import { guardUpgrade } from '../../modules/devUpgradeGuard/guard'

function fakeSocket() {
  return Object.assign(new EventEmitter(), { destroy: vi.fn() }) as unknown as Duplex & { destroy: ReturnType<typeof vi.fn> }
}
const req = {} as IncomingMessage
const head = Buffer.alloc(0)
const codeError = (message: string, code: string) => Object.assign(new Error(message), { code })
/** Lets rejections settle (an unhandled one fails the test run). */
const settled = () => new Promise(resolve => setImmediate(resolve))

describe('the dev server upgrade guard (nitrojs/nitro#4493)', () => {
  it('catches the proxy promise rejected by a client reset, closes the socket and reports nothing', async () => {
    const report = vi.fn()
    const socket = fakeSocket()
    guardUpgrade(() => Promise.reject(codeError('read ECONNRESET', 'ECONNRESET')), report)(req, socket, head)
    await settled()
    expect(socket.destroy).toHaveBeenCalled()
    expect(report).not.toHaveBeenCalled()
  })

  it('treats EPIPE, ECONNABORTED and a premature close as disconnects too', async () => {
    const report = vi.fn()
    for (const code of ['EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']) {
      guardUpgrade(() => Promise.reject(codeError(code, code)), report)(req, fakeSocket(), head)
    }
    await settled()
    expect(report).not.toHaveBeenCalled()
  })

  it('reports a failure that is not a disconnect (no worker ready) and closes the socket', async () => {
    const report = vi.fn()
    const socket = fakeSocket()
    const noWorker = new Error('No worker available.')
    guardUpgrade(() => Promise.reject(noWorker), report)(req, socket, head)
    await settled()
    expect(report).toHaveBeenCalledWith(noWorker)
    expect(socket.destroy).toHaveBeenCalled()
  })

  it('closes the socket when the upgrade throws instead of rejecting', () => {
    const report = vi.fn()
    const socket = fakeSocket()
    guardUpgrade(() => {
      throw new Error('boom')
    }, report)(req, socket, head)
    expect(report).toHaveBeenCalledOnce()
    expect(socket.destroy).toHaveBeenCalled()
  })

  it('keeps an error the socket emits before the proxy listens from being thrown', () => {
    const socket = fakeSocket()
    guardUpgrade(() => new Promise(() => {}), vi.fn())(req, socket, head)
    expect(() => socket.emit('error', codeError('read ECONNRESET', 'ECONNRESET'))).not.toThrow()
  })

  it('hands request, socket and head to the upgrade and leaves a healthy connection alone', async () => {
    const upgrade = vi.fn(() => Promise.resolve())
    const socket = fakeSocket()
    guardUpgrade(upgrade, vi.fn())(req, socket, head)
    await settled()
    expect(upgrade).toHaveBeenCalledWith(req, socket, head)
    expect(socket.destroy).not.toHaveBeenCalled()
  })
})
