/**
 * Registers the offline shell (public/sw.js) in production builds, and hands it the page and assets
 * this first load fetched before the worker controlled it. Dev builds skip it: cached dev assets
 * would fight hot reload.
 */
export default defineNuxtPlugin(() => {
  if (import.meta.dev || !('serviceWorker' in navigator)) return
  // The build id names the worker's cache: a new deploy installs a new worker, which drops the old cache.
  const script = `/sw.js?build=${encodeURIComponent(useRuntimeConfig().app.buildId)}`
  const ready = navigator.serviceWorker.register(script).then(async (registration) => {
    // Talk to this build's worker once it runs, not to the previous build's, which it replaces.
    const worker = await activated(registration.installing ?? registration.waiting ?? registration.active)
    const urls = [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]
      .filter(u => u.startsWith(location.origin) && !u.includes('/api/'))
    worker.postMessage({ type: 'cache', urls })
    return worker
  }).catch((error) => {
    console.warn('[jizhan] offline support unavailable:', error)
    return null
  })
  // Pages reached by client-side navigation were never fetched as documents: have them cached too.
  useRouter().afterEach((to) => {
    ready.then(worker => worker?.postMessage({ type: 'cache', urls: [new URL(to.fullPath, location.origin).href] }))
  })
})

/** How often, and how many times, a worker parked after its install is asked to activate again. */
const NUDGE_EVERY_MS = 1000
const NUDGES = 10

/**
 * Resolves when the worker is active; rejects when it is replaced or fails to install first. A
 * worker that stays `installed` is asked to skip waiting again: its own skipWaiting() at install can
 * be given up by Chromium when a fetch of this page reaches the previous worker at that moment, and
 * it would then wait for every tab to close, with the previous build's cache kept.
 */
function activated(worker: ServiceWorker | null): Promise<ServiceWorker> {
  return new Promise((resolve, reject) => {
    if (!worker) return reject(new Error('no service worker'))
    let nudges = 0
    const nudge = setInterval(() => {
      if (worker.state === 'installed') worker.postMessage({ type: 'skip-waiting' })
      if (++nudges >= NUDGES) clearInterval(nudge)
    }, NUDGE_EVERY_MS)
    const check = () => {
      if (worker.state === 'activated') resolve(worker)
      else if (worker.state === 'redundant') reject(new Error('service worker replaced before it activated'))
      else return
      clearInterval(nudge)
      worker.removeEventListener('statechange', check)
    }
    worker.addEventListener('statechange', check)
    check()
  })
}
