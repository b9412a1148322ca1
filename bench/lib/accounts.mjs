/**
 * Jizhan users for the bench: registered over HTTP (argon2id, so a few hundred, several sockets
 * each), with their session cookies. Sessions live in the database, so they survive restarts.
 * `prefix` starts the usernames (one letter), so that several sets can be registered in one run.
 */
export async function registerUsers(baseUrl, count, { prefix = 'b', concurrency = 8 } = {}) {
  const users = new Array(count)
  const run = `${prefix}${Date.now().toString(36)}`
  let next = 0
  async function lane() {
    while (next < count) {
      const i = next++
      const username = `${run}_${i}`
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

/**
 * Creates the fan-out's groups on a Jizhan server (docs/protocol.md §11: `POST /api/groups
 * {name, members}`, the creator its owner): group g is users[g·size … (g+1)·size − 1], created by
 * the first of them. Answers the group ids. Groups stay for the whole run, as the users do. The
 * users are the fan-out's own, not the other scenarios': those stay in no group, so their figures
 * (and the storm's client stores) do not change with the groups' history.
 */
export async function createGroups(baseUrl, users, count, size) {
  const convs = []
  for (let g = 0; g < count; g++) {
    const [owner, ...others] = users.slice(g * size, (g + 1) * size)
    const res = await fetch(new URL('/api/groups', baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept': 'application/json', 'origin': baseUrl, 'cookie': owner.cookie },
      body: JSON.stringify({ name: `bench ${g + 1}`, members: others.map(u => u.id) }),
    })
    if (res.status === 404) throw new Error(`POST /api/groups answered 404: this build has no groups (docs/protocol.md §11); leave jizhan out (--only ws,socketio,bare-nitro) to measure the baselines`)
    if (res.status !== 201) throw new Error(`POST /api/groups (group ${g + 1} of ${count}): ${res.status} ${(await res.text()).slice(0, 300)}`)
    const { group } = await res.json()
    if (group?.memberCount !== size) throw new Error(`POST /api/groups: group ${group?.conv} has ${group?.memberCount} members, not ${size}`)
    convs.push(group.conv)
  }
  return convs
}

/**
 * The fan-out's groups, the same shape for every server: `count` groups of `size` members, each
 * member one socket (identity with its `room`), the first `senders` of each group sending. Jizhan:
 * distinct users per group (a user's every socket gets each message of its groups), rooms = the
 * group ids from `createGroups`. Baselines: ids of their own, rooms `g1`, `g2`, ….
 */
export function fanoutGroupsFor(client, { users, convs, count, size, senders }) {
  return Array.from({ length: count }, (_, g) => {
    const room = client === 'jizhan' ? convs[g] : `g${g + 1}`
    const members = Array.from({ length: size }, (_, i) => (client === 'jizhan' ? { ...users[g * size + i], room } : { id: 2_000_000 + g * size + i, room }))
    return { room, members, senders }
  })
}
