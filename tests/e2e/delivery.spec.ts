import { expect, test } from '@playwright/test'
import { messages, openConversation, person, personOnline, sendMessage, status } from './helpers'

const receipts = (page: import('@playwright/test').Page) => page.locator('.message.own .receipt')

test('messages sent to someone offline arrive in order, once, when they return; the ticks go delivered, then read', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  await openConversation(alice.page, bob.name)
  // A first line makes them people who share a conversation: each sees the other's presence.
  await sendMessage(alice.page, 'zero')
  await expect(receipts(alice.page)).toHaveText(['· Delivered'])

  await bob.context.setOffline(true)
  await expect(person(alice.page, bob.name)).toContainText('(offline)', { timeout: 10_000 })
  const texts = ['one', 'two', 'three', 'four', 'five']
  for (const text of texts) await sendMessage(alice.page, text)
  await expect(receipts(alice.page)).toHaveText(['· Delivered', ...texts.map(() => '· Sent')])

  // Bob comes back by reloading the page: it resumes from the cursor his browser kept.
  await bob.context.setOffline(false)
  await bob.page.reload()
  await expect(status(bob.page)).toHaveText('Connected')
  // Bob's device has them (he is not looking at the conversation yet).
  await expect(receipts(alice.page)).toHaveText(['zero', ...texts].map(() => '· Delivered'))
  await expect(person(bob.page, alice.name)).toContainText('6 unread')

  await openConversation(bob.page, alice.name)
  await expect(messages(bob.page)).toHaveText(['zero', ...texts])
  await expect(receipts(alice.page)).toHaveText(['zero', ...texts].map(() => '· Read'))
  await expect(person(bob.page, alice.name)).not.toContainText('unread')

  // A reload shows the same conversation, from the stored history.
  await bob.page.reload()
  await expect(messages(bob.page)).toHaveText(['zero', ...texts])
  await alice.context.close()
  await bob.context.close()
})

test('messages written offline survive a reload while still offline and are sent, once each, on return', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  await openConversation(alice.page, bob.name)
  await openConversation(bob.page, alice.name)
  // The offline shell (service worker) must control the page before the network goes.
  await alice.page.waitForFunction(() => navigator.serviceWorker?.controller !== null)
  await sendMessage(alice.page, 'before going offline')
  await expect(messages(bob.page)).toHaveText(['before going offline'])
  // Bob's read receipt must reach Alice before her link stalls, or it waits with the link.
  await expect(receipts(alice.page)).toHaveText(['· Read'])

  await alice.context.setOffline(true)
  await expect(status(alice.page)).toHaveText(/Offline/)
  const texts = ['typed offline 1', 'typed offline 2', 'typed offline 3']
  for (const text of texts) await sendMessage(alice.page, text)
  await expect(receipts(alice.page)).toHaveText(['· Read', 'Sending…', 'Sending…', 'Sending…'])
  // Not sent yet, so no time: a line shows when the server stored it, not when it was written.
  await expect(alice.page.locator('.message.own time')).toHaveCount(1)

  await alice.page.reload()
  // The page comes from the offline shell: the recent lines, the name, and the 3 waiting lines.
  await expect(messages(alice.page)).toHaveText(['before going offline', ...texts], { timeout: 15_000 })
  await expect(receipts(alice.page)).toHaveText(['· Read', 'Sending…', 'Sending…', 'Sending…'])
  await expect(alice.page.getByRole('region', { name: `Conversation with ${bob.name}` })).toBeVisible()
  // The cached page still runs under the policy it was cached with (hashes, not a per-response nonce).
  expect(alice.csp).toEqual([])

  await alice.context.setOffline(false)
  await expect(status(alice.page)).toHaveText('Connected')
  await expect(messages(bob.page)).toHaveText(['before going offline', ...texts])
  await expect(messages(alice.page)).toHaveText(['before going offline', ...texts])
  await expect(receipts(alice.page)).toHaveText(['· Read', '· Read', '· Read', '· Read'])
  await expect(alice.page.locator('.message.own time')).toHaveCount(4)
  // Exactly once each, also after the recipient reloads from the stored history.
  await bob.page.reload()
  await expect(messages(bob.page)).toHaveText(['before going offline', ...texts])
  await alice.context.close()
  await bob.context.close()
})
