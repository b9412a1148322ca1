/**
 * Registers the offline shell (public/sw.js) in production builds, and hands it the page and assets
 * this first load fetched before the worker controlled it. Dev builds skip it: cached dev assets
 * would fight hot reload.
 */
export default defineNuxtPlugin(() => {
  if (import.meta.dev || !('serviceWorker' in navigator)) return
  const ready = navigator.serviceWorker.register('/sw.js').then(async () => {
    const registration = await navigator.serviceWorker.ready
    const urls = [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]
      .filter(u => u.startsWith(location.origin) && !u.includes('/api/'))
    registration.active?.postMessage({ type: 'cache', urls })
    return registration
  }).catch((error) => {
    console.warn('[jizhan] offline support unavailable:', error)
    return null
  })
  // Pages reached by client-side navigation were never fetched as documents: have them cached too.
  useRouter().afterEach((to) => {
    ready.then(registration => registration?.active?.postMessage({ type: 'cache', urls: [new URL(to.fullPath, location.origin).href] }))
  })
})
