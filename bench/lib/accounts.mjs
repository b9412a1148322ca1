/**
 * Jizhan users for the bench: registered over HTTP (argon2id, so a few hundred, several sockets
 * each), with their session cookies. Sessions live in the database, so they survive restarts.
 */
export async function registerUsers(baseUrl, count, concurrency = 8) {
  const users = new Array(count)
  const run = Date.now().toString(36)
  let next = 0
  async function lane() {
    while (next < count) {
      const i = next++
      const username = `b${run}_${i}`
      const res = await fetch(new URL('/api/auth/register', baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'origin': baseUrl },
        body: JSON.stringify({ username, password: 'bench-password-1' }),
      })
      if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`)
      const { user } = await res.json()
      users[i] = { id: user.id, username, cookie: res.headers.get('set-cookie').split(';')[0] }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  return users
}

/**
 * Identities for `n` relay pairs, `m` idle connections and the quiet pair, per client protocol
 * (`jizhan`: signed-in users of that server's own database). The quiet pair runs alone, after the
 * relay's connections are closed, so it may reuse the first pair's users.
 */
export function identitiesFor(client, users, pairCount, idleCount) {
  if (client !== 'jizhan') {
    return {
      pairs: Array.from({ length: pairCount }, (_, p) => ({ sender: { id: 2 * p }, recipient: { id: 2 * p + 1 } })),
      idle: Array.from({ length: idleCount }, (_, i) => ({ id: 1_000_000 + i })),
      quiet: { sender: { id: 900_000 }, recipient: { id: 900_001 } },
    }
  }
  return {
    pairs: Array.from({ length: pairCount }, (_, p) => ({ sender: users[2 * p], recipient: users[2 * p + 1] })),
    idle: Array.from({ length: idleCount }, (_, i) => users[i % users.length]),
    quiet: { sender: users[0], recipient: users[1] },
  }
}
