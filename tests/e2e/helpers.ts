import { expect, test } from '@playwright/test'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { wordsFor } from './words'
import type { Locale } from './words'

/** The language of the running Playwright project (`use.locale`): its tests read and click its words. */
export const locale = (): Locale => (test.info().project.use.locale ?? 'en') as Locale
/** `t(key, params, n)`: the app's words in the running project's language. */
export const t = (key: string, params?: Record<string, string | number>, n?: number) => wordsFor(locale())(key, params, n)

let counter = 0
export const uniqueName = (prefix: string) => `${prefix}${Date.now() % 1_000_000}${++counter}`

/** Waits until Vue has hydrated the page, so clicks reach their handlers. */
export async function hydrated(page: Page) {
  await page.waitForFunction(() => Boolean((document.querySelector('#__nuxt') as { __vue_app__?: unknown } | null)?.__vue_app__))
}

/** The connection's status line (other regions, like typing, are status regions too). */
export const status = (page: Page) => page.locator('.connection').getByRole('status')

/**
 * Collects the Content-Security-Policy violations a context reports: Chromium's console message
 * ("… violates the following Content Security Policy directive …") and the pages'
 * `securitypolicyviolation` events, forwarded by an init script (which the policy does not bind).
 */
export async function watchCsp(context: BrowserContext): Promise<string[]> {
  const violations: string[] = []
  context.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text())
  })
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`)
    })
  })
  return violations
}

const CHINESE_NAMES: Record<string, string> = { alice: '小明', bob: '小红', carol: '李雷' }

/** A person in their own browser context, registered and connected; `csp` collects CSP violations. */
export async function personOnline(browser: Browser, prefix: string): Promise<{ context: BrowserContext, page: Page, name: string, csp: string[] }> {
  const context = await browser.newContext({ locale: locale() })
  const csp = await watchCsp(context)
  const page = await context.newPage()
  // In Chinese, Chinese names: the same steps then also prove that names in any script work.
  const name = uniqueName(locale() === 'zh-CN' ? (CHINESE_NAMES[prefix] ?? prefix) : prefix)
  await page.goto('/login')
  await hydrated(page)
  await page.getByLabel(t('auth.username')).fill(name)
  await page.getByLabel(t('auth.password')).fill('password123')
  await page.getByRole('button', { name: t('auth.register') }).click()
  await expect(page).toHaveURL(/\/$/)
  await expect(status(page)).toHaveText(t('connection.open'))
  return { context, page, name, csp }
}

/** The button of a conversation (with a person, or a group) in the conversation list. */
export const person = (page: Page, name: string) => page.getByRole('navigation', { name: t('list.title') }).getByRole('button', { name: new RegExp(name) })

/** Finds someone by the start of their username (`Find people`) and opens the conversation with them. */
export async function findPerson(page: Page, name: string) {
  await page.getByRole('searchbox', { name: t('people.find') }).fill(name)
  await page.getByRole('button', { name: t('people.chatWith', { name }), exact: true }).click()
  // (On a phone the list, and the search with it, is hidden once the conversation opens.)
  await expect(page.getByRole('searchbox', { name: t('people.find'), includeHidden: true })).toHaveValue('')
}

/** Opens the conversation with a person: from the list when it is there, else found by name. */
export async function openConversation(page: Page, name: string) {
  if (await person(page, name).isVisible()) await person(page, name).click()
  else await findPerson(page, name)
  await expect(page.getByRole('region', { name: t('chat.conversationWith', { name }) })).toBeVisible()
}

export async function sendMessage(page: Page, text: string) {
  await page.getByLabel(t('chat.message'), { exact: true }).fill(text)
  await page.getByLabel(t('chat.message'), { exact: true }).press('Enter')
}

export const messages = (page: Page) => page.locator('.messages .message .text')
