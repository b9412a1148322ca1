import { test } from '@playwright/test'
import { hydrated, uniqueName } from '../e2e/helpers'

const WIDTHS = [{ width: 1280, height: 800 }, { width: 375, height: 740 }] as const
const LOCALES = ['zh-CN', 'en'] as const
const SCHEMES = ['light', 'dark'] as const
const OUT = 'docs/screenshots'

// The settings page in both colour schemes (the system's), both languages and both widths, whole page.
for (const locale of LOCALES) {
  for (const colorScheme of SCHEMES) {
    test(`settings in ${locale}, ${colorScheme}`, async ({ browser }) => {
      const name = `${locale === 'zh-CN' ? '小明' : 'alice'}${uniqueName('').slice(-4)}`
      for (const viewport of WIDTHS) {
        const context = await browser.newContext({ locale, viewport, colorScheme })
        const res = await context.request.post('/api/auth/register', { data: { username: name, password: 'password123' } })
        if (res.status() === 409) await context.request.post('/api/auth/login', { data: { username: name, password: 'password123' } })
        const page = await context.newPage()
        await page.goto('/settings')
        await hydrated(page)
        await page.waitForTimeout(300) // fonts settle
        await page.screenshot({ path: `${OUT}/settings-${colorScheme}-${locale}-${viewport.width}.png`, fullPage: true })
        await context.close()
      }
    })
  }
}
