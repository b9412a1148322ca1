// Jizhan's service worker: keeps the app shell (pages and /_nuxt/ assets) so the chat opens while
// offline, showing the outbox and what was loaded before. Network first, cache as the fallback;
// API calls and the WebSocket are never cached.
const CACHE = 'jizhan-shell-v1'

self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', event => event.waitUntil(self.clients.claim()))

function cacheable(url) {
  return url.origin === self.location.origin && !url.pathname.startsWith('/api/') && url.pathname !== '/_ws'
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== 'GET' || !cacheable(url)) return
  event.respondWith((async () => {
    const cache = await caches.open(CACHE)
    try {
      const response = await fetch(request)
      if (response.ok) await cache.put(request, response.clone())
      return response
    }
    catch (error) {
      // Pages are cached under one entry per path, whatever their query (?with=…).
      const hit = await cache.match(request, { ignoreSearch: request.mode === 'navigate' })
      if (hit) return hit
      throw error
    }
  })())
})

// The page lists what it loaded before this worker controlled it, so the first visit is cached too.
self.addEventListener('message', (event) => {
  const data = event.data
  if (data?.type === 'cache' && Array.isArray(data.urls)) {
    event.waitUntil(caches.open(CACHE).then(cache => Promise.all(data.urls
      .filter(u => typeof u === 'string' && cacheable(new URL(u)))
      .map(u => fetch(u).then(r => r.ok && cache.put(u, r)).catch(() => {})))))
  }
  if (data?.type === 'forget') event.waitUntil(caches.delete(CACHE))
})
