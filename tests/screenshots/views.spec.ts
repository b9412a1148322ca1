import { expect, test } from '@playwright/test'
import type { Browser, Page } from '@playwright/test'
import { hydrated, uniqueName } from '../e2e/helpers'

const WIDTHS = [{ width: 1280, height: 800 }, { width: 375, height: 740 }] as const
const LOCALES = ['zh-CN', 'en'] as const
const OUT = 'docs/screenshots'

/** Someone registered (through the API) and signed in, in their own context of one width and language. */
async function signedIn(browser: Browser, name: string, locale: string, viewport: { width: number, height: number }, colorScheme: 'light' | 'dark' = 'light') {
  const context = await browser.newContext({ locale, viewport, colorScheme })
  const res = await context.request.post('/api/auth/register', { data: { username: name, password: 'password123' } })
  if (res.status() === 409) await context.request.post('/api/auth/login', { data: { username: name, password: 'password123' } })
  const page = await context.newPage()
  return { context, page }
}

async function shoot(page: Page, view: string, locale: string, width: number) {
  await page.waitForTimeout(300) // fonts and transitions settle
  await page.screenshot({ path: `${OUT}/${view}-${locale}-${width}.png` })
}

for (const locale of LOCALES) {
  for (const viewport of WIDTHS) {
    test(`main views in ${locale} at ${viewport.width} px`, async ({ browser }) => {
      const suffix = uniqueName('').slice(-4)
      const [me, friend, third] = locale === 'zh-CN' ? [`小明${suffix}`, `小红${suffix}`, `李雷${suffix}`] : [`alice${suffix}`, `bob${suffix}`, `carol${suffix}`]

      // Sign-in page.
      const visitor = await browser.newContext({ locale, viewport })
      const login = await visitor.newPage()
      await login.goto('/login')
      await hydrated(login)
      await shoot(login, 'login', locale, viewport.width)
      await visitor.close()

      const a = await signedIn(browser, me!, locale, viewport)
      const b = await signedIn(browser, friend!, locale, viewport)
      const c = await signedIn(browser, third!, locale, viewport)
      const ids = await Promise.all([a, b, c].map(async p => (await (await p.context.request.get('/api/auth/session')).json()).user.id as number))

      // A direct conversation with a few lines both ways.
      const lines = locale === 'zh-CN'
        ? ['你好！周末有空吗？', '有空，去爬山吧 🏔️', '好啊，早上八点在地铁站见。']
        : ['Hi! Free this weekend?', 'Yes, let’s go hiking 🏔️', 'Great, 8 am at the station.']
      await a.page.goto(`/?with=${ids[1]}`)
      await hydrated(a.page)
      await b.page.goto(`/?with=${ids[0]}`)
      await hydrated(b.page)
      const composer = (p: Page) => p.locator('textarea#message')
      for (const [i, text] of lines.entries()) {
        const from = i % 2 === 0 ? a.page : b.page
        await composer(from).fill(text)
        await composer(from).press('Enter')
        await expect(a.page.locator('.messages .message')).toHaveCount(i + 1)
      }
      await shoot(a.page, 'chat', locale, viewport.width)

      // A group of three with a line from each.
      const group = await a.context.request.post('/api/groups', { data: { name: locale === 'zh-CN' ? '周末爬山' : 'Weekend hike', members: [ids[1], ids[2]] } })
      const conv = (await group.json()).group.conv as string
      await a.page.goto(`/?group=${conv}`)
      await hydrated(a.page)
      for (const [p, text] of [[a.page, lines[0]], [b.page, lines[1]]] as const) {
        if (p !== a.page) {
          await p.goto(`/?group=${conv}`)
          await hydrated(p)
        }
        await composer(p).fill(text!)
        await composer(p).press('Enter')
      }
      await expect(a.page.locator('.messages .message:not(.system-line)')).toHaveCount(2)
      await shoot(a.page, 'group', locale, viewport.width)

      // The conversation list on its own (on a phone, the list and the conversation are two views).
      await a.page.goto('/')
      await hydrated(a.page)
      await shoot(a.page, 'list', locale, viewport.width)

      // The session ended elsewhere (another tab signed out): the chat page goes to the sign-in
      // page, which says why.
      expect((await a.context.request.post('/api/auth/logout', { data: {} })).ok()).toBe(true)
      await a.page.waitForURL('**/login')
      await expect(a.page.locator('.notice')).toBeVisible()
      await shoot(a.page, 'login-session-ended', locale, viewport.width)

      // (Settings: tests/screenshots/settings.spec.ts, light and dark.)
      for (const p of [a, b, c]) await p.context.close()
    })
  }
}
