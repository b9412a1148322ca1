import { describe, expect, it } from 'vitest'
import { TYPING_BURST } from '../../server/chat/typing'
import { registerUser } from '../support/accounts'
import type { TestUser } from '../support/accounts'
import { groupsApi } from '../support/groupsApi'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { createNodeClient, waitFor } from '../support/nodeClient'
import { wsConnect } from '../support/wsClient'
import type { WsClient } from '../support/wsClient'

await setupBuiltServer()
const api = groupsApi(() => httpUrl('/'))

/** A socket that resumed at its head (following the user's groups), pinging. */
async function online(user: TestUser): Promise<WsClient> {
  const ws = await wsConnect(wsUrl(), { cookie: user.cookie })
  ws.keepAlive()
  const { head } = await ws.next('welcome')
  ws.send({ type: 'resume', cursor: head })
  await ws.next('synced')
  return ws
}

/** Shows `conv` on this socket; the pong (answered in frame order) says the server has it. */
async function view(ws: WsClient, conv: number | string | null): Promise<void> {
  ws.send({ type: 'view', conv })
  ws.send({ type: 'ping' })
  await ws.next('pong')
}

const users = (n: number) => Promise.all(Array.from({ length: n }, () => registerUser(httpUrl('/'))))
const nothing = (ws: WsClient, type = 'typing', ms = 300) => expect(ws.next(type, ms)).rejects.toThrow(new RegExp(`no ${type}`))

describe('typing', () => {
  it('reaches the recipient\'s tab that shows the conversation, not their tab that shows another or none, then stops', async () => {
    const [ann, ben, cat] = await users(3)
    const a = await online(ann)
    const [showing, elsewhere, idle] = await Promise.all([online(ben), online(ben), online(ben)])
    await view(showing, ann.id)
    await view(elsewhere, cat.id)
    a.send({ type: 'typing', conv: ben.id })
    expect(await showing.next('typing')).toEqual({ type: 'typing', conv: ann.id, from: ann.id, username: ann.username })
    a.send({ type: 'typing', conv: ben.id, stop: true })
    expect(await showing.next('typing')).toEqual({ type: 'typing', conv: ann.id, from: ann.id, username: ann.username, stop: true })
    await nothing(elsewhere)
    await nothing(idle)
    // Nothing comes back to the typist: no ack, no echo.
    await nothing(a)
    for (const ws of [a, showing, elsewhere, idle]) ws.close()
  })

  it('reaches nobody whose page is hidden (a view of nothing)', async () => {
    const [ann, ben] = await users(2)
    const [a, b] = await Promise.all([online(ann), online(ben)])
    await view(b, ann.id)
    await view(b, null)
    a.send({ type: 'typing', conv: ben.id })
    await nothing(b)
    a.close()
    b.close()
  })

  it('in a group, reaches the members that show it, named, and never the typist\'s other tab', async () => {
    const [ann, ben, cat] = await users(3)
    const group = await api.create(ann, [ben, cat])
    const [a, a2, b, c] = await Promise.all([online(ann), online(ann), online(ben), online(cat)])
    await Promise.all([view(a2, group.conv), view(b, group.conv)])
    a.send({ type: 'typing', conv: group.conv })
    expect(await b.next('typing')).toEqual({ type: 'typing', conv: group.conv, from: ann.id, username: ann.username })
    await nothing(a2)
    await nothing(c)
    for (const ws of [a, a2, b, c]) ws.close()
  })

  it('refuses typing in a group from a non-member, and from a member once removed, with not_member; nobody gets it', async () => {
    const [ann, ben, eve] = await users(3)
    const group = await api.create(ann, [ben])
    const [b, e] = await Promise.all([online(ben), online(eve)])
    await view(b, group.conv)
    // A stranger who knows the group's id, and shows it too.
    await view(e, group.conv)
    e.send({ type: 'typing', conv: group.conv })
    expect(await e.next('error')).toMatchObject({ code: 'not_member' })
    await nothing(b)
    // Ben is removed: his socket stops following the group at the removal, so his typing is refused.
    const a = await online(ann)
    await view(a, group.conv)
    expect((await api.remove(ann, group.conv, ben)).status).toBe(200)
    expect(await b.next('membership')).toMatchObject({ change: 'left' })
    b.send({ type: 'typing', conv: group.conv })
    expect(await b.next('error')).toMatchObject({ code: 'not_member' })
    await nothing(a)
    for (const ws of [a, b, e]) ws.close()
  })

  it('drops a socket\'s typing over its budget without an answer, and keeps the connection', async () => {
    const [ann, ben] = await users(2)
    const [a, b] = await Promise.all([online(ann), online(ben)])
    await view(b, ann.id)
    for (let i = 0; i < 30; i++) a.send({ type: 'typing', conv: ben.id })
    a.send({ type: 'ping' })
    await a.next('pong')
    let relayed = 0
    for (;;) {
      try {
        await b.next('typing', 400)
        relayed++
      }
      catch {
        break
      }
    }
    // (The budget refills one every 2 s: a slow machine may let one more through.)
    expect(relayed).toBeGreaterThanOrEqual(TYPING_BURST)
    expect(relayed).toBeLessThanOrEqual(TYPING_BURST + 1)
    await nothing(a, 'error')
    a.close()
    b.close()
  })

  it('is never stored: a new device resuming from the start and the history have none of it', async () => {
    const [ann, ben] = await users(2)
    const group = await api.create(ann, [ben])
    const [a, b] = await Promise.all([online(ann), online(ben)])
    await view(b, ann.id)
    a.send({ type: 'typing', conv: ben.id })
    a.send({ type: 'typing', conv: group.conv })
    await b.next('typing')
    a.send({ type: 'send', cid: 'after', to: ben.id, text: 'typed' })
    await a.next('ack')
    const fresh = await wsConnect(wsUrl(), { cookie: ben.cookie })
    await fresh.next('welcome')
    fresh.send({ type: 'resume', cursor: 0, groups: [[group.conv, 0]] })
    await fresh.next('synced')
    await nothing(fresh)
    const history = await fetch(httpUrl(`/api/conversations/${ann.id}/messages`), { headers: { cookie: ben.cookie } })
    expect((await history.json() as { messages: Array<{ text: string }> }).messages.map(m => m.text)).toEqual(['typed'])
    // The group's history, as Ben sees it from his joining on, is the line that added him, nothing more.
    expect((await api.history(ben, group.conv)).body.messages.map(m => m.system?.event ?? m.text)).toEqual(['added'])
    for (const ws of [a, b, fresh]) ws.close()
  })

  it('shows the reference client\'s typing in the other person\'s open conversation, until the message arrives', async () => {
    const [ann, ben] = await users(2)
    const [a, b] = [createNodeClient(httpUrl('/'), ann), createNodeClient(httpUrl('/'), ben)]
    for (const c of [a, b]) c.connection.connect()
    await waitFor(() => a.chat.synced && b.chat.synced, 5000, () => 'both clients synced')
    // Ben opens his conversation with Ann: his client tells the server so.
    await b.chat.startConversation({ id: ann.id, username: ann.username })
    // (Its view has no answer: a moment for it to arrive before Ann's typing does.)
    await new Promise(resolve => setTimeout(resolve, 200))
    await a.chat.startConversation({ id: ben.id, username: ben.username })
    a.typing.composerChanged(ben.id, 'hel')
    await waitFor(() => b.typing.typingIn(ann.id).length > 0, 5000, () => 'Ben sees Ann typing')
    expect(b.typing.typingIn(ann.id)).toEqual([ann.username])
    a.chat.send('hello')
    a.typing.composerChanged(ben.id, '')
    await waitFor(() => b.typing.typingIn(ann.id).length === 0, 5000, () => 'the indicator went with her message')
    expect(b.conversations.conversation(ann.id).items.map(i => i.text)).toContain('hello')
    for (const c of [a, b]) c.stop()
  })

  it('answers malformed view and typing frames with bad_frame naming the field, and keeps the connection', async () => {
    const [ann] = await users(1)
    const a = await online(ann)
    a.send({ type: 'typing', conv: 'nope' })
    expect(await a.next('error')).toMatchObject({ code: 'bad_frame', message: 'typing.conv must be a user id or a group id' })
    a.send({ type: 'view', conv: -1 })
    expect(await a.next('error')).toMatchObject({ code: 'bad_frame', message: 'view.conv must be a user id, a group id or null' })
    a.send({ type: 'ping' })
    await a.next('pong')
    a.close()
  })
})
