import AxeBuilder from '@axe-core/playwright'
import { expect, test } from '@playwright/test'
import type { Browser, Page } from '@playwright/test'
import { findPerson, hydrated, messages, openConversation, person, personOnline, sendMessage, status } from './helpers'

/** Opens the settings from the chat's top bar (a client-side navigation: the chat's socket stays). */
async function openSettings(page: Page) {
  await page.getByRole('link', { name: 'Settings' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible()
}

/** Signs in through the sign-in page of a fresh context. */
async function signIn(browser: Browser, name: string, password: string) {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto('/login')
  await hydrated(page)
  await page.getByLabel('Username').fill(name)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  return { context, page }
}

const background = (page: Page) => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)
const DARK_BG = 'rgb(13, 17, 23)'
const LIGHT_BG = 'rgb(246, 247, 249)'

test('changing the password keeps this tab signed in and connected, signs other sessions out, and the new password signs in', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  const elsewhere = await signIn(browser, alice.name, 'password123')
  await expect(status(elsewhere.page)).toHaveText('Connected')
  await openConversation(alice.page, bob.name)
  // A second tab of the same browser: it shares the cookie, so the new session is its session too.
  const sameBrowser = await alice.context.newPage()
  await sameBrowser.goto('/')
  await expect(status(sameBrowser)).toHaveText('Connected')
  await openSettings(alice.page)

  // A wrong current password is said, and tied to its field.
  const current = alice.page.getByLabel('Current password')
  await current.fill('not my password')
  await alice.page.getByLabel('New password', { exact: true }).fill('new-password-456')
  await alice.page.getByLabel('New password again').fill('new-password-456')
  await alice.page.getByRole('button', { name: 'Change password' }).click()
  await expect(alice.page.getByRole('alert')).toHaveText('The current password is wrong.')
  const problemId = await alice.page.getByRole('alert').getAttribute('id')
  await expect(current).toHaveAttribute('aria-describedby', problemId!)
  await expect(current).toHaveAttribute('aria-invalid', 'true')

  // Two new passwords that differ never reach the server.
  await current.fill('password123')
  await alice.page.getByLabel('New password again').fill('new-password-457')
  await alice.page.getByRole('button', { name: 'Change password' }).click()
  await expect(alice.page.getByRole('alert')).toHaveText('The two new passwords differ.')

  await alice.page.getByLabel('New password again').fill('new-password-456')
  // The page's socket is closed before the change and opened again with the fresh cookie, here on the settings page.
  const reopened = alice.page.waitForEvent('websocket')
  await alice.page.getByRole('button', { name: 'Change password' }).click()
  await expect(alice.page.getByRole('status')).toContainText('Password changed')
  await expect(current).toHaveValue('')
  expect((await reopened).url()).toMatch(/\/_ws$/)

  // The other browser's session ended: it is taken to the sign-in page, which says so.
  await expect(elsewhere.page).toHaveURL(/\/login$/)
  await expect(elsewhere.page.locator('.notice')).toHaveText('Your session ended. Sign in again.')
  // The other tab of this browser got the old session's 4001 too, found the new session of the same
  // user in the cookie and reconnected: still signed in, nothing forgotten.
  await expect(status(sameBrowser)).toHaveText('Connected')
  await sameBrowser.waitForTimeout(1500)
  await expect(status(sameBrowser)).toHaveText('Connected')
  await expect(sameBrowser).toHaveURL(/\/(\?.*)?$/)
  await alice.page.getByRole('link', { name: 'Back to the chat' }).click()
  await expect(status(alice.page)).toHaveText('Connected')
  await sendMessage(alice.page, 'After the new password')
  await expect(alice.page.locator('.message.own .receipt')).toHaveText(['· Delivered'])
  // A reload keeps it signed in (the fresh cookie).
  await alice.page.reload()
  await expect(status(alice.page)).toHaveText('Connected')

  // The old password no longer signs in; the new one does.
  const old = await signIn(browser, alice.name, 'password123')
  await expect(old.page.getByRole('alert')).toHaveText('Wrong username or password.')
  const fresh = await signIn(browser, alice.name, 'new-password-456')
  await expect(status(fresh.page)).toHaveText('Connected')
  for (const c of [alice.context, bob.context, elsewhere.context, old.context, fresh.context]) await c.close()
})

test('signing out everywhere ends the session of another browser too, and says so', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const elsewhere = await signIn(browser, alice.name, 'password123')
  await expect(status(elsewhere.page)).toHaveText('Connected')
  await openSettings(alice.page)
  await alice.page.getByRole('button', { name: 'Sign out everywhere' }).click()
  await expect(alice.page).toHaveURL(/\/login$/)
  await expect(alice.page.getByRole('status')).toHaveText('You are signed out on every device.')
  // The other browser is taken to the sign-in page, which says its session ended; a reload keeps it there.
  await expect(elsewhere.page).toHaveURL(/\/login$/)
  await expect(elsewhere.page.locator('.notice')).toHaveText('Your session ended. Sign in again.')
  await elsewhere.page.reload()
  await expect(elsewhere.page).toHaveURL(/\/login$/)
  // Settings are for signed-in people only.
  await alice.page.goto('/settings')
  await expect(alice.page).toHaveURL(/\/login$/)
  for (const c of [alice.context, elsewhere.context]) await c.close()
})

test('the language switches to Chinese and back, lasting across reloads, with <html lang>', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  await openSettings(alice.page)
  const html = alice.page.locator('html')
  await expect(html).toHaveAttribute('lang', 'en')
  await alice.page.getByLabel('Language').selectOption('zh-CN')
  await expect(alice.page.getByRole('heading', { level: 1 })).toHaveText('设置')
  await expect(html).toHaveAttribute('lang', 'zh-CN')
  await alice.page.reload()
  await expect(alice.page.getByRole('heading', { level: 1 })).toHaveText('设置')
  await expect(html).toHaveAttribute('lang', 'zh-CN')
  await expect(alice.page).toHaveTitle('设置 · 基站')

  await hydrated(alice.page)
  await alice.page.getByLabel('语言').selectOption('en')
  await expect(alice.page.getByRole('heading', { level: 1 })).toHaveText('Settings')
  await alice.page.reload()
  await expect(alice.page.getByRole('heading', { level: 1 })).toHaveText('Settings')
  await expect(html).toHaveAttribute('lang', 'en')
  await alice.context.close()
})

test('dark mode follows the system unless overridden, and the override is rendered by the server', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  await openSettings(alice.page)
  expect(await background(alice.page)).toBe(LIGHT_BG)
  await alice.page.emulateMedia({ colorScheme: 'dark' })
  expect(await background(alice.page)).toBe(DARK_BG)

  // Light wins over a dark system, and lasts.
  await alice.page.getByLabel('Light').check()
  await expect.poll(() => background(alice.page)).toBe(LIGHT_BG)
  await alice.page.reload()
  expect(await background(alice.page)).toBe(LIGHT_BG)

  // Dark wins over a light system; the server's HTML already says so (no flash of light).
  await alice.page.emulateMedia({ colorScheme: 'light' })
  await hydrated(alice.page)
  await alice.page.getByLabel('Dark').check()
  await expect.poll(() => background(alice.page)).toBe(DARK_BG)
  const served = await (await alice.page.request.get('/settings')).text()
  expect(served).toMatch(/<html[^>]*data-theme="dark"/)
  await alice.page.goto('/')
  expect(await background(alice.page)).toBe(DARK_BG)

  // Back to the system's.
  await openSettings(alice.page)
  await alice.page.getByLabel('As the system').check()
  await expect.poll(() => background(alice.page)).toBe(LIGHT_BG)
  expect(await (await alice.page.request.get('/settings')).text()).not.toMatch(/<html[^>]*data-theme/)
  // The settings' styles are inline blocks the Content-Security-Policy allows by hash.
  expect(alice.csp).toEqual([])
  await alice.context.close()
})

test('the title counts unread lines that arrive while another conversation is open', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  const carol = await personOnline(browser, 'carol')
  await openConversation(alice.page, bob.name)
  await expect(alice.page).toHaveTitle('Chat · Jizhan')
  await findPerson(carol.page, alice.name)
  await sendMessage(carol.page, 'One')
  await sendMessage(carol.page, 'Two')
  await expect(alice.page).toHaveTitle('(2) Chat · Jizhan')
  await openConversation(alice.page, carol.name)
  await expect(messages(alice.page)).toHaveText(['One', 'Two'])
  await expect(alice.page).toHaveTitle('Chat · Jizhan')
  for (const c of [alice.context, bob.context, carol.context]) await c.close()
})

test('notifications, once turned on, show new lines while the page is hidden, without their text if so chosen', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  // The browser's Notification API as a recorder that allows everything; the page is made "hidden" on demand.
  await alice.page.evaluate(() => {
    const shown: Array<{ title: string, body?: string }> = []
    Object.assign(window, { shown })
    class RecordingNotification {
      static permission = 'default'
      static async requestPermission() {
        RecordingNotification.permission = 'granted'
        return 'granted'
      }

      onclick: (() => void) | null = null
      constructor(title: string, options: { body?: string } = {}) {
        shown.push({ title, body: options.body })
      }

      close() {}
    }
    Object.defineProperty(window, 'Notification', { value: RecordingNotification, configurable: true })
  })
  const shown = () => alice.page.evaluate(() => (window as unknown as { shown: unknown[] }).shown)
  const hide = (hidden: boolean) => alice.page.evaluate((h) => {
    Object.defineProperty(document, 'visibilityState', { get: () => (h ? 'hidden' : 'visible'), configurable: true })
  }, hidden)

  await findPerson(bob.page, alice.name)
  await sendMessage(bob.page, 'Off by default')
  await openSettings(alice.page)
  const notify = alice.page.getByLabel('Notify me of new messages while this page is in the background')
  await notify.check()
  await expect(notify).toBeChecked()
  await alice.page.getByRole('link', { name: 'Back to the chat' }).click()
  await expect(status(alice.page)).toHaveText('Connected')

  await sendMessage(bob.page, 'Seen on the page')
  await expect(person(alice.page, bob.name)).toContainText('2 unread')
  await hide(true)
  await sendMessage(bob.page, 'While hidden')
  await expect.poll(shown).toEqual([{ title: `New message from ${bob.name}`, body: 'While hidden' }])

  await hide(false)
  await openSettings(alice.page)
  await alice.page.getByLabel('Hide message text in notifications').check()
  await alice.page.getByRole('link', { name: 'Back to the chat' }).click()
  await expect(status(alice.page)).toHaveText('Connected')
  await hide(true)
  await sendMessage(bob.page, 'A secret')
  await expect.poll(shown).toHaveLength(2)
  expect((await shown())[1]).toEqual({ title: `New message from ${bob.name}` })
  for (const c of [alice.context, bob.context]) await c.close()
})

for (const colorScheme of ['light', 'dark'] as const) {
  test(`the settings page has no serious accessibility violations in ${colorScheme} colours (contrast included), in both languages`, async ({ browser }) => {
    for (const locale of ['zh-CN', 'en']) {
      const context = await browser.newContext({ locale, colorScheme })
      await context.request.post('/api/auth/register', { data: { username: `axe${Date.now() % 1_000_000}${locale.length}`, password: 'password123' } })
      const page = await context.newPage()
      await page.goto('/settings')
      await hydrated(page)
      await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1)
      // A refusal on show too: its colour is checked against the card as well.
      await page.locator('form button[type="submit"]').click()
      await expect(page.getByRole('alert')).toBeVisible()
      const result = await new AxeBuilder({ page }).analyze()
      expect(result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`), locale).toEqual([])
      await context.close()
    }
  })
}
