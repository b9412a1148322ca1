import AxeBuilder from '@axe-core/playwright'
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { hydrated, status, uniqueName } from './helpers'
import { LOCALES, wordsFor } from './words'

/** Serious and critical axe-core violations of the page as it is now (none is acceptable). */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze()
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')}`)
}

for (const locale of LOCALES) {
  test(`sign-in, chat, group and settings views have no serious accessibility violations in ${locale}`, async ({ browser }) => {
    const t = wordsFor(locale)
    const context = await browser.newContext({ locale })
    const page = await context.newPage()
    const logged: string[] = []
    page.on('console', m => void (m.type() === 'error' && logged.push(m.text())))
    await page.goto('/login')
    await hydrated(page)
    // An anonymous visitor is no error: nothing in the console (the session check used to log a 401).
    expect(logged).toEqual([])
    await expect(page.locator('html')).toHaveAttribute('lang', locale)
    await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1)
    expect(await violations(page), 'sign-in').toEqual([])

    // A sign-in error is tied to its field.
    await page.getByRole('button', { name: t('auth.signIn'), exact: true }).click()
    await expect(page.getByLabel(t('auth.username'))).toHaveAttribute('aria-describedby', 'login-problem login-hint')
    await expect(page.getByLabel(t('auth.username'))).toHaveAccessibleDescription(new RegExp(`^${t('errors.username_required').replace(/[.?]/g, '\\$&')}`))
    expect(await violations(page), 'sign-in with an error').toEqual([])

    // Someone to talk with, and a group of the two.
    const friend = await browser.newContext({ locale })
    const friendName = uniqueName('f')
    expect((await friend.request.post('/api/auth/register', { data: { username: friendName, password: 'password123' } })).status()).toBe(201)
    const friendId = (await (await friend.request.get('/api/auth/session')).json()).user.id as number
    await page.getByLabel(t('auth.username')).fill(uniqueName('a'))
    await page.getByLabel(t('auth.password')).fill('password123')
    await page.getByRole('button', { name: t('auth.register') }).click()
    await expect(page).toHaveURL(/\/$/)
    await expect(status(page)).toHaveText(t('connection.open'))
    await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1)
    expect(await violations(page), 'chat, nothing open').toEqual([])

    await page.goto(`/?with=${friendId}`)
    await hydrated(page)
    await page.getByLabel(t('chat.message'), { exact: true }).fill('hello')
    await page.getByLabel(t('chat.message'), { exact: true }).press('Enter')
    await expect(page.locator('.messages .message')).toHaveCount(1)
    expect(await violations(page), 'direct conversation').toEqual([])

    const created = await page.request.post('/api/groups', { data: { name: uniqueName('g'), members: [friendId] } })
    const conv = (await created.json()).group.conv as string
    await page.goto(`/?group=${conv}`)
    await hydrated(page)
    await expect(page.locator('.messages .system-line').first()).toBeVisible()
    expect(await violations(page), 'group conversation').toEqual([])

    const settings = await page.goto('/settings')
    expect(settings?.ok()).toBe(true)
    await hydrated(page)
    await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1)
    expect(await violations(page), 'settings').toEqual([])
    await context.close()
    await friend.close()
  })
}
