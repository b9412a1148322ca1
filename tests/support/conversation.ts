import { expect } from 'vitest'
import type { createNodeClient } from './nodeClient'

type NodeClient = ReturnType<typeof createNodeClient>

/** One side of a conversation under test: its client writes `${prefix}-0…` to `peer`. */
export interface Side { client: NodeClient, peer: number, prefix: string, peerPrefix: string }

/** Each side writes `perSide` messages as fast as its outbox takes them (bounded at 200 waiting). */
export function writeAll(sides: readonly Side[], perSide: number): Promise<void> {
  return Promise.all(sides.map(async ({ client, prefix }) => {
    for (let i = 0; i < perSide; i++) {
      while (client.chat.send(`${prefix}-${i}`) !== null) await new Promise(r => setTimeout(r, 5))
      if (i % 20 === 0) await new Promise(r => setTimeout(r, 0))
    }
  })).then(() => {})
}

const stored = (s: Side) => s.client.conversations.byPeer[s.peer]?.items.filter(i => i.seq !== undefined) ?? []

/** Whether every side shows all 2 × perSide messages of its conversation, stored. */
export function allDelivered(sides: readonly Side[], perSide: number): boolean {
  return sides.every(s => stored(s).length === 2 * perSide && (s.client.conversations.byPeer[s.peer]?.items.length ?? 0) === 2 * perSide)
}

export function progress(sides: readonly Side[]): string {
  return sides.map(s => `${s.prefix}: ${stored(s).length} stored of ${s.client.conversations.byPeer[s.peer]?.items.length}`).join('; ')
}

/**
 * Every side shows each message of its conversation exactly once, in seq order 1…2n with no gap,
 * and each writer's messages in the order they were written.
 */
export function expectExactlyOnceInOrder(sides: readonly Side[], perSide: number): void {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i)
  for (const s of sides) {
    const items = s.client.conversations.byPeer[s.peer]!.items
    expect(items.map(i => i.seq)).toEqual(range(2 * perSide).map(i => i + 1))
    expect(items.map(i => i.text).sort()).toEqual([...range(perSide).map(i => `${s.prefix}-${i}`), ...range(perSide).map(i => `${s.peerPrefix}-${i}`)].sort())
    for (const prefix of [s.prefix, s.peerPrefix]) {
      const own = items.filter(i => i.text.startsWith(`${prefix}-`)).map(i => Number(i.text.slice(prefix.length + 1)))
      expect(own).toEqual(range(perSide))
    }
  }
}
