import { expect, test } from '@playwright/test'
import { hydrated } from './helpers'

test('the offline shell keeps one cache per build, and a new build\'s worker deletes the caches of earlier ones', async ({ browser }) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto('/login')
  await hydrated(page)
  const buildId = await page.evaluate(() => (window as unknown as { __NUXT__: { config: { app: { buildId: string } } } }).__NUXT__.config.app.buildId)
  const keys = () => page.evaluate(() => caches.keys())

  // This build's worker controls the page and keeps what the page loaded in this build's cache.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null)
  expect(await page.evaluate(() => navigator.serviceWorker.controller!.scriptURL)).toContain(`/sw.js?build=${buildId}`)
  await expect.poll(keys).toEqual([`jizhan-shell-${buildId}`])

  // Left over from earlier deploys: the unversioned cache of older releases and another build's;
  // and a cache that is not the shell's, which must survive.
  await page.evaluate(async () => {
    for (const name of ['jizhan-shell-v1', 'jizhan-shell-an-earlier-build', 'not-the-shell']) {
      await (await caches.open(name)).put('/login', new Response('old'))
    }
  })

  // The next deploy: its pages register the worker under their own build id.
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.register('/sw.js?build=the-next-build')
    const next = registration.installing!
    // 'activated' once its activate handler is done (the page's controller switches earlier).
    await new Promise<void>((resolve) => {
      if (next.state === 'activated') resolve()
      next.addEventListener('statechange', () => next.state === 'activated' && resolve())
    })
  })
  // The new worker deleted every earlier shell cache (it may have started its own); others stay.
  expect((await keys()).filter(name => name !== 'jizhan-shell-the-next-build').sort()).toEqual(['not-the-shell'])

  // This build's page comes back (a rollback, here): its worker takes over and again only its
  // cache remains.
  await page.reload()
  await expect.poll(async () => (await keys()).sort()).toEqual([`jizhan-shell-${buildId}`, 'not-the-shell'])

  // Signing out (`forget`) empties the shell, and only the shell.
  await page.evaluate(() => navigator.serviceWorker.controller!.postMessage({ type: 'forget' }))
  await expect.poll(keys).toEqual(['not-the-shell'])
  await context.close()
})
