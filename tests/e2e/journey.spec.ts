import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { hydrated, status, uniqueName } from './helpers'
import { wordsFor } from './words'

/**
 * The promise, end to end: someone who reads only Chinese registers as 小明, chats, makes a
 * group, changes the password and switches to English — on a phone and on a desktop — and sees no
 * English on the way.
 */

const zh = wordsFor('zh-CN')
const en = wordsFor('en')

/** Latin words on the page that are not names, messages or the brand: an untranslated string. */
async function englishOn(page: Page, allowed: string[]): Promise<string[]> {
  const text = await page.locator('body').innerText()
  const words = text.match(/[A-Za-z]{3,}/g) ?? []
  return [...new Set(words)].filter(w => !allowed.some(a => a.includes(w)))
}

for (const viewport of [{ width: 375, height: 740 }, { width: 1280, height: 800 }]) {
  test(`小明 registers, chats, makes a group, changes the password and switches to English at ${viewport.width} px`, async ({ browser }) => {
    const suffix = uniqueName('').slice(-6)
    const me = `小明${suffix}`
    const friend = `小红${suffix}`
    const friendContext = await browser.newContext({ locale: 'zh-CN' })
    expect((await friendContext.request.post('/api/auth/register', { data: { username: friend, password: 'password123' } })).status()).toBe(201)

    const context = await browser.newContext({ locale: 'zh-CN', viewport })
    const page = await context.newPage()
    const allowed = [me, friend, 'Jizhan', 'English', '你好']
    await page.goto('/login')
    await hydrated(page)
    expect(await englishOn(page, allowed)).toEqual([])
    await page.getByLabel(zh('auth.username')).fill(me)
    await page.getByLabel(zh('auth.password')).fill('password123')
    await page.getByRole('button', { name: zh('auth.register') }).click()
    await expect(status(page)).toHaveText(zh('connection.open'))
    expect(await englishOn(page, allowed)).toEqual([])

    // A chat with 小红, found by the start of her name.
    await page.getByRole('searchbox', { name: zh('people.find') }).fill('小红')
    await page.getByRole('button', { name: zh('people.chatWith', { name: friend }), exact: true }).click()
    const message = page.getByRole('textbox', { name: zh('chat.message'), exact: true })
    await message.fill('你好')
    await message.press('Enter')
    await expect(page.locator('.message.own .receipt')).toHaveText(`· ${zh('chat.status.sent')}`)
    expect(await englishOn(page, allowed)).toEqual([])

    // A group with her (on a phone, back to the list first).
    const back = page.getByRole('button', { name: zh('chat.backToList') })
    if (await back.isVisible()) await back.click()
    await page.getByRole('button', { name: zh('groups.new') }).click()
    const dialog = page.getByRole('dialog', { name: zh('groups.new') })
    await dialog.getByRole('textbox', { name: zh('groups.name') }).fill('周末爬山')
    await dialog.getByRole('checkbox', { name: friend, exact: true }).check()
    await dialog.getByRole('button', { name: zh('common.create') }).click()
    const group = page.getByRole('region', { name: zh('groups.conversation', { name: '周末爬山' }) })
    await expect(group).toContainText(zh('groups.memberCount', { n: 2 }, 2))
    await expect(group.locator('.system-line').first()).toHaveText(zh('system.created', { actor: zh('people.you'), name: '周末爬山' }))
    expect(await englishOn(page, [...allowed, '周末爬山'])).toEqual([])

    // Settings: a new password, then English.
    await page.getByRole('link', { name: zh('app.settings') }).click()
    await expect(page.getByRole('heading', { level: 1, name: zh('settings.title') })).toBeVisible()
    expect(await englishOn(page, allowed)).toEqual([])
    await page.getByLabel(zh('settings.currentPassword')).fill('password123')
    await page.getByLabel(zh('settings.newPassword'), { exact: true }).fill('new-password-456')
    await page.getByLabel(zh('settings.confirmPassword')).fill('new-password-456')
    await page.getByRole('button', { name: zh('settings.changePassword') }).click()
    await expect(page.getByText(zh('settings.passwordChanged'))).toBeVisible()
    await page.getByLabel(zh('settings.language')).selectOption('en')
    await expect(page.locator('html')).toHaveAttribute('lang', 'en')
    await expect(page.getByRole('heading', { level: 1, name: en('settings.title') })).toBeVisible()
    // The choice outlives a reload, and the chat speaks English now, still signed in.
    await page.getByRole('link', { name: en('settings.back') }).click()
    // (On the chat page before reloading: a reload racing the click would reload the settings page.)
    await expect(page).toHaveURL(/\/(\?.*)?$/)
    await page.reload()
    await hydrated(page)
    await expect(status(page)).toHaveText(en('connection.open'))
    await expect(page.getByRole('link', { name: en('app.settings') })).toBeVisible()

    // The new password is the one that works.
    const other = await browser.newContext({ locale: 'zh-CN' })
    expect((await other.request.post('/api/auth/login', { data: { username: me, password: 'password123' } })).status()).toBe(401)
    expect((await other.request.post('/api/auth/login', { data: { username: me, password: 'new-password-456' } })).status()).toBe(200)
    for (const c of [context, friendContext, other]) await c.close()
  })
}
