import { expect, test } from '@playwright/test'
import { locale, messages, openConversation, person, personOnline, sendMessage, status, t, uniqueName } from './helpers'

// This file runs in zh-CN and in en (playwright.config.ts projects): it reads the app's words through t().

test('two people register, find each other by name and chat both ways, within the Content-Security-Policy', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  // Nobody is listed before one talks with them: Alice finds Bob by the start of his name.
  await expect(person(alice.page, bob.name)).toHaveCount(0)
  await alice.page.getByRole('searchbox', { name: t('people.find') }).fill(bob.name.slice(0, -1))
  await expect(alice.page.getByRole('button', { name: t('people.chatWith', { name: bob.name }), exact: true })).toBeVisible()
  await openConversation(alice.page, bob.name)
  await sendMessage(alice.page, 'Hello from Alice')
  // Stored and acknowledged, then received by Bob's device while he looks elsewhere.
  await expect(alice.page.locator('.message.own .receipt')).toHaveText([`· ${t('chat.status.delivered')}`])

  // Bob is elsewhere: the conversation appears in his list, counted unread, and is announced.
  await expect(person(bob.page, alice.name)).toContainText(t('list.unread', { n: 1 }))
  await expect(bob.page.locator('[aria-live="polite"]')).toHaveText(t('chat.newMessageFrom', { name: alice.name, text: 'Hello from Alice' }))
  // People who share a conversation see each other's presence.
  await expect(person(alice.page, bob.name)).toContainText(`(${t('presence.online')})`)
  await expect(person(bob.page, alice.name)).toContainText(`(${t('presence.online')})`)
  await openConversation(bob.page, alice.name)
  await expect(messages(bob.page)).toHaveText(['Hello from Alice'])
  await expect(alice.page.locator('.message.own .receipt')).toHaveText([`· ${t('chat.status.read')}`])

  await bob.page.getByLabel(t('chat.message'), { exact: true }).fill('Hi Alice, Bob here')
  await bob.page.getByRole('button', { name: t('chat.send') }).click()
  await expect(messages(alice.page)).toHaveText(['Hello from Alice', 'Hi Alice, Bob here'])
  await expect(messages(bob.page)).toHaveText(['Hello from Alice', 'Hi Alice, Bob here'])
  // The pages run under a Content-Security-Policy, and it let the whole exchange run: nothing was refused.
  expect((await alice.page.request.get('/')).headers()['content-security-policy']).toMatch(/script-src 'self' 'sha256-/)
  expect(alice.csp).toEqual([])
  expect(bob.csp).toEqual([])

  await alice.context.close()
  await expect(person(bob.page, alice.name)).toContainText(`(${t('presence.offline')})`)
  await bob.context.close()
})

test('Find people pages through many matches and finds nobody for a name nobody has', async ({ browser }) => {
  const prefix = uniqueName('pg')
  const others = await Promise.all(Array.from({ length: 21 }, async (_, i) => {
    const context = await browser.newContext({ locale: locale() })
    const res = await context.request.post('/api/auth/register', { data: { username: `${prefix}${String(i).padStart(2, '0')}`, password: 'password123' } })
    expect(res.status()).toBe(201)
    return context
  }))
  const alice = await personOnline(browser, 'alice')
  const search = alice.page.getByRole('searchbox', { name: t('people.find') })
  const found = alice.page.getByRole('list', { name: t('people.found') }).getByRole('button')
  await search.fill(prefix)
  await expect(found).toHaveCount(20)
  await alice.page.getByRole('button', { name: t('people.more') }).click()
  await expect(found).toHaveCount(21)
  await expect(alice.page.getByRole('button', { name: t('people.more') })).toHaveCount(0)
  await search.fill(`${prefix}zz`)
  await expect(alice.page.getByText(t('people.noMatches', { query: `${prefix}zz` }))).toBeVisible()
  await alice.context.close()
  for (const context of others) await context.close()
})

test('a dropped network shows in the status, recovers by itself, and the chat continues', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  await openConversation(alice.page, bob.name)
  await openConversation(bob.page, alice.name)
  await sendMessage(alice.page, 'Before the drop')
  await expect(messages(bob.page)).toHaveText(['Before the drop'])
  await expect(person(alice.page, bob.name)).toContainText(`(${t('presence.online')})`)

  await bob.context.setOffline(true)
  await expect(status(bob.page)).toHaveText(t('connection.waitingForNetwork'))
  // Longer than the heartbeat deadline (1 s + 1 s): the server drops Bob's silent socket too.
  await expect(person(alice.page, bob.name)).toContainText(`(${t('presence.offline')})`, { timeout: 10_000 })
  await bob.page.waitForTimeout(1000)
  await expect(status(bob.page)).not.toHaveText(t('connection.open'))

  await bob.context.setOffline(false)
  await expect(status(bob.page)).toHaveText(t('connection.open'))
  await expect(person(alice.page, bob.name)).toContainText(`(${t('presence.online')})`)

  await sendMessage(bob.page, 'Back online')
  await expect(messages(alice.page)).toHaveText(['Before the drop', 'Back online'])
  await sendMessage(alice.page, 'Welcome back')
  await expect(messages(bob.page)).toHaveText(['Before the drop', 'Back online', 'Welcome back'])
  await alice.context.close()
  await bob.context.close()
})

test('a deliberate Disconnect makes no reconnect attempt until Connect', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const sockets: string[] = []
  alice.page.on('websocket', ws => sockets.push(ws.url()))

  await alice.page.getByRole('button', { name: t('connection.disconnect') }).click()
  await expect(status(alice.page)).toHaveText(t('connection.closed'))
  // Longer than the whole backoff cap (2 s), with an online event that would revive a dropped link.
  await alice.context.setOffline(true)
  await alice.context.setOffline(false)
  await alice.page.waitForTimeout(4000)
  expect(sockets).toEqual([])
  await expect(status(alice.page)).toHaveText(t('connection.closed'))

  await alice.page.getByRole('button', { name: t('connection.connect'), exact: true }).click()
  await expect(status(alice.page)).toHaveText(t('connection.open'))
  expect(sockets).toHaveLength(1)
  await alice.context.close()
})

test('signing out with a conversation open reaches the sign-in page even when the server answers the sign-out late', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  await openConversation(alice.page, bob.name)
  await expect(alice.page).toHaveURL(/\?with=\d+/)
  // The sign-out's answer comes after anything else the page asks meanwhile (a slow link): a
  // "who is signed in?" asked then must not sign the page back in.
  await alice.page.route('**/api/auth/logout', async (route) => {
    await new Promise(resolve => setTimeout(resolve, 800))
    await route.continue()
  })
  await alice.page.getByRole('button', { name: t('app.signOut') }).click()
  await expect(alice.page).toHaveURL(/\/login$/)
  await expect(alice.page.locator('.notice')).toHaveText(t('auth.signedOut'))
  await expect(alice.page.getByLabel(t('auth.username'))).toBeVisible()
  await alice.context.close()
  await bob.context.close()
})

test('signing out in one tab signs out the other tab without reconnecting', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const second = await alice.context.newPage()
  await second.goto('/')
  await expect(status(second)).toHaveText(t('connection.open'))
  const sockets: string[] = []
  second.on('websocket', ws => sockets.push(ws.url()))

  const logged: string[] = []
  alice.page.on('console', m => void (m.type() === 'error' && logged.push(m.text())))
  await alice.page.getByRole('button', { name: t('app.signOut') }).click()
  await expect(alice.page).toHaveURL(/\/login$/)
  // Signing out on purpose says just that (not that the session ended), and logs no error.
  await expect(alice.page.locator('.notice')).toHaveText(t('auth.signedOut'))
  expect(logged).toEqual([])
  // The other tab goes to the sign-in page, which says the session ended.
  await expect(second).toHaveURL(/\/login$/)
  await expect(second.locator('.notice')).toHaveText(t('auth.sessionEnded'))
  await second.waitForTimeout(3000)
  expect(sockets).toEqual([])
  await expect(second.getByLabel(t('auth.username'))).toBeVisible()
  await alice.context.close()
})

test('signing in as someone else in the same browser signs the old tab out instead of switching users under it', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bobName = uniqueName('bob')
  // Another window of the same browser shares the cookie jar.
  const res = await alice.context.request.post('/api/auth/register', { data: { username: bobName, password: 'password123' } })
  expect(res.status()).toBe(201)
  await expect(alice.page).toHaveURL(/\/login$/)
  await expect(alice.page.locator('.notice')).toHaveText(t('auth.sessionEnded'))
  await expect(alice.page.getByRole('banner').getByText(alice.name)).toHaveCount(0)
  await alice.context.close()
})

test('message text is shown as text: markup never runs', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  let dialogs = 0
  bob.page.on('dialog', (d) => {
    dialogs++
    return d.dismiss()
  })
  await openConversation(alice.page, bob.name)
  await openConversation(bob.page, alice.name)
  const payload = '<img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a>'
  await sendMessage(alice.page, payload)
  await expect(messages(bob.page)).toHaveText([payload])
  await expect(bob.page.locator('.messages img, .messages script, .messages a')).toHaveCount(0)
  expect(dialogs).toBe(0)
  await alice.context.close()
  await bob.context.close()
})

test('at 375 px the list and the conversation are two views: opening one shows it, Back and the browser\'s back return to the list', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  const page = bob.page
  await page.setViewportSize({ width: 375, height: 740 })
  const list = page.getByRole('navigation', { name: t('list.title') })
  const conversation = page.getByRole('region', { name: t('chat.conversationWith', { name: alice.name }) })
  // Nothing open: the list, and no empty conversation pane beside it.
  await expect(list).toBeVisible()
  await expect(page.getByText(t('chat.choose'))).toBeHidden()
  await expect(page.getByRole('main')).toHaveCount(1)
  await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1)
  // The top bar fits: brand, status, Settings and Sign out on one line, nothing sideways.
  const topbar = page.getByRole('banner')
  await expect(topbar.getByRole('link', { name: t('app.settings') })).toBeInViewport()
  await expect(topbar.getByRole('button', { name: t('app.signOut') })).toBeInViewport()
  expect(await topbar.evaluate(el => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0)

  await openConversation(page, alice.name)
  await expect(list).toBeHidden()
  await expect(page).toHaveURL(/\?with=\d+/)
  await sendMessage(page, 'Written on a phone, with a long unbroken word: Donaudampfschifffahrtsgesellschaftskapitän')
  await expect(messages(alice.page)).toHaveCount(0) // Alice has not opened the conversation
  await expect(page.locator('.message.own .receipt')).toHaveText(`· ${t('chat.status.delivered')}`)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  await page.screenshot({ path: 'test-results/chat-375.png' })

  // Back: the list again, with the focus on the conversation just left.
  await page.getByRole('button', { name: t('chat.backToList') }).click()
  await expect(list).toBeVisible()
  await expect(conversation).toBeHidden()
  await expect(page).not.toHaveURL(/with=/)
  await expect(person(page, alice.name)).toBeFocused()

  // Opening it from the list moves the focus to its heading (the list is gone); the browser's back closes it.
  await person(page, alice.name).press('Enter')
  await expect(conversation).toBeVisible()
  await expect(conversation.getByRole('heading', { level: 2 })).toBeFocused()
  // The step is in the history once the URL names it (the router pushes it just after the view
  // changes): a back before that would leave the chat page altogether.
  await expect(page).toHaveURL(/\?with=\d+/)
  await page.goBack()
  await expect(list).toBeVisible()
  await expect(conversation).toBeHidden()
  await page.goForward()
  await expect(conversation).toBeVisible()

  // At desktop width both views again, side by side, and no Back control.
  await page.setViewportSize({ width: 1280, height: 800 })
  await expect(list).toBeVisible()
  await expect(conversation).toBeVisible()
  await expect(page.getByRole('button', { name: t('chat.backToList') })).toBeHidden()
  await alice.context.close()
  await bob.context.close()
})

test('a reader scrolled up is not pulled down by a new line: a new-messages control counts it and jumps to it', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  await bob.page.setViewportSize({ width: 1000, height: 520 })
  await openConversation(alice.page, bob.name)
  await sendMessage(alice.page, 'first')
  await openConversation(bob.page, alice.name)
  for (let i = 1; i <= 15; i++) await sendMessage(alice.page, `line ${i}`)
  await expect(messages(bob.page)).toHaveCount(16)
  // The lines of one day: one separator, before the first.
  await expect(bob.page.locator('.day-separator')).toHaveText([t('chat.day.today')])
  const list = bob.page.getByRole('list', { name: t('chat.history') })
  const atBottom = () => list.evaluate(el => el.scrollHeight - el.scrollTop - el.clientHeight < 48)
  const scrollTo = (top: number | 'bottom') => list.evaluate((el, top) => el.scrollTo({ top: top === 'bottom' ? el.scrollHeight : top }), top)
  await expect.poll(atBottom).toBe(true)

  await scrollTo(60)
  await sendMessage(alice.page, 'while Bob reads')
  await sendMessage(alice.page, 'and another')
  await expect(messages(bob.page)).toHaveCount(18)
  const control = bob.page.locator('.new-messages')
  await expect(control).toHaveText(`${t('chat.newMessages', { n: 2 }, 2)} ↓`)
  expect(await list.evaluate(el => el.scrollTop)).toBeLessThan(100)
  await control.click()
  await expect(control).toBeHidden()
  await expect.poll(atBottom).toBe(true)

  // At the bottom, a new line follows; a reader's own line always brings them down.
  await sendMessage(alice.page, 'followed')
  await expect(messages(bob.page)).toHaveCount(19)
  await expect.poll(atBottom).toBe(true)
  await scrollTo(60)
  await sendMessage(bob.page, 'my own line')
  await expect.poll(atBottom).toBe(true)
  await expect(control).toBeHidden()

  // Scrolling down by hand clears the count too.
  await scrollTo(60)
  await sendMessage(alice.page, 'one more')
  await expect(control).toHaveText(`${t('chat.newMessages', { n: 1 }, 1)} ↓`)
  await scrollTo('bottom')
  await expect(control).toBeHidden()
  await alice.context.close()
  await bob.context.close()
})

test('a message over 4,000 characters is refused with a reason, not cut; an empty Send does nothing', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  await openConversation(alice.page, bob.name)
  const field = alice.page.getByRole('textbox', { name: t('chat.message'), exact: true })
  const send = alice.page.getByRole('button', { name: t('chat.send') })
  // The Send button is a normal button: pressed with nothing written, it puts the cursor in the field.
  await expect(send).toBeEnabled()
  await send.click()
  await expect(field).toBeFocused()
  await expect(alice.page.locator('.messages .message')).toHaveCount(0)

  await field.fill('x'.repeat(3599))
  await expect(alice.page.locator('.composer .counter')).toHaveCount(0)
  await field.fill('x'.repeat(4001))
  await expect(field).toHaveValue('x'.repeat(4001)) // nothing cut
  await expect(alice.page.locator('.composer .counter')).toHaveText('4,001 / 4,000')
  await send.click()
  await expect(alice.page.getByRole('alert')).toHaveText(t('chat.tooLong', { max: '4,000', over: '1' }))
  await expect(alice.page.locator('.messages .message')).toHaveCount(0)
  await field.press('Backspace')
  await expect(alice.page.getByRole('alert')).toHaveCount(0)
  await field.press('Enter')
  await expect(alice.page.locator('.message.own .receipt')).toHaveText(`· ${t('chat.status.delivered')}`)
  await expect(field).toHaveValue('')
  await alice.context.close()
  await bob.context.close()
})

test('a link that silently stops answering is caught by the heartbeat and replaced', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  let stalled = false
  let routed = 0
  let firstClosedWith: number | undefined
  // A proxy in the middle of the WebSocket: it can swallow everything the server sends, which is
  // what a half-open connection looks like from the browser (no close, no error, just silence).
  await alice.page.routeWebSocket(/\/_ws$/, (ws) => {
    routed++
    const server = ws.connectToServer()
    const first = routed === 1
    ws.onMessage(m => server.send(m))
    server.onMessage((m) => {
      if (!(first && stalled)) ws.send(m)
    })
    ws.onClose((code) => {
      if (first) firstClosedWith = code
      server.close()
    })
  })
  await alice.page.reload()
  await expect(status(alice.page)).toHaveText(t('connection.open'))
  expect(routed).toBe(1)
  stalled = true
  const stalledAt = Date.now()
  // Ping interval 1 s + pong timeout 1 s: the browser gives up on the silent socket by itself
  // (nothing closed it) and opens a new one.
  // (Chromium reports its 4000 close through the route as 1005, "no status": any page-side close counts.)
  await expect.poll(() => firstClosedWith, { timeout: 8000 }).toBeDefined()
  expect(Date.now() - stalledAt).toBeLessThan(6000)
  await expect.poll(() => routed, { timeout: 8000 }).toBe(2)
  await expect(status(alice.page)).toHaveText(t('connection.open'))
  await alice.context.close()
})

test('a session ended elsewhere forgets what this browser kept of the user, as signing out here does', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  await alice.page.waitForFunction(() => navigator.serviceWorker?.controller !== null)
  await openConversation(alice.page, bob.name)
  await openConversation(bob.page, alice.name)
  await sendMessage(bob.page, 'kept on a shared computer?')
  await expect(messages(alice.page)).toHaveText(['kept on a shared computer?'])
  const kept = () => alice.page.evaluate(() => Object.keys(localStorage).filter(k => /^jizhan\.(recent|contacts|cursor)\./.test(k)).sort())
  await expect.poll(kept).toHaveLength(3)
  // The offline shell's cached pages: the chat page ('/') was rendered for Alice.
  const cachedPaths = () => alice.page.evaluate(async () => {
    const paths: string[] = []
    for (const name of await caches.keys()) paths.push(...(await (await caches.open(name)).keys()).map(r => new URL(r.url).pathname))
    return paths
  })
  await expect.poll(cachedPaths).toContain('/')
  // What matters: no cached page still holds what was rendered for Alice (her name is in the chat page).
  const cachedForAlice = () => alice.page.evaluate(async (name) => {
    const paths: string[] = []
    for (const cacheName of await caches.keys()) {
      const cache = await caches.open(cacheName)
      for (const request of await cache.keys()) {
        if ((await (await cache.match(request))!.text()).includes(name)) paths.push(new URL(request.url).pathname)
      }
    }
    return paths
  }, alice.name)
  await expect.poll(cachedForAlice).toContain('/')

  // Alice signs out everywhere from her phone.
  const phone = await browser.newContext({ locale: locale() })
  expect((await phone.request.post('/api/auth/login', { data: { username: alice.name, password: 'password123' } })).ok()).toBe(true)
  expect((await phone.request.post('/api/auth/logout', { data: { everywhere: true } })).ok()).toBe(true)

  // The tab ends on the sign-in page.
  await expect(alice.page).toHaveURL(/\/login$/)
  await expect.poll(kept).toEqual([])
  // (The sign-in page the tab goes to may be cached again, and "/" with it, as anyone's.)
  await expect.poll(cachedForAlice).toEqual([])
  await phone.close()
  await alice.context.close()
  await bob.context.close()
})

test('a history page that fails to load shows the error in the pane, and Retry loads it', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  await openConversation(bob.page, alice.name)
  await sendMessage(bob.page, 'in the history')
  await expect(bob.page.locator('.message.own .receipt')).toHaveText([`· ${t('chat.status.delivered')}`])
  const errors: string[] = []
  alice.page.on('pageerror', error => errors.push(error.message))

  const history = /\/api\/conversations\/\d+\/messages/
  await alice.page.route(history, route => route.fulfill({ status: 503, body: '' }))
  await openConversation(alice.page, bob.name)
  const pane = alice.page.getByRole('region', { name: t('chat.conversationWith', { name: bob.name }) })
  await expect(pane.getByRole('alert')).toContainText(t('chat.loadFailed'))

  await alice.page.unroute(history)
  await pane.getByRole('button', { name: t('common.retry') }).click()
  await expect(messages(alice.page)).toHaveText(['in the history'])
  await expect(pane.getByRole('alert')).toHaveCount(0)
  await expect(bob.page.locator('.message.own .receipt')).toHaveText([`· ${t('chat.status.read')}`])
  expect(errors).toEqual([])
  await alice.context.close()
  await bob.context.close()
})
