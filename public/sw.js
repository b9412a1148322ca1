// Jizhan's service worker: keeps the app shell (pages and /_nuxt/ assets) so the chat opens while
// offline, showing the outbox and what was loaded before. Network first, cache as the fallback;
// API calls and the WebSocket are never cached.
//
// One cache per build: the page registers /sw.js?build=<Nuxt build id>, so each deploy installs a
// new worker whose cache starts empty, and activating it deletes the caches of earlier builds
// (including the unversioned `jizhan-shell-v1` of older releases). Without this the cache grows
// with every deploy's assets.
const PREFIX = 'jizhan-shell-'
const CACHE = PREFIX + (new URL(self.location.href).searchParams.get('build') || 'unversioned')

const ownCaches = async () => (await caches.keys()).filter(name => name.startsWith(PREFIX))

self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', event => event.waitUntil((async () => {
  // The worker's state turns 'activated' only once this is done: a page waiting for that state
  // sees the old caches gone. (Pages it already controls switch to it earlier, on activating.)
  await Promise.all((await ownCaches()).filter(name => name !== CACHE).map(name => caches.delete(name)))
  await self.clients.claim()
})()))

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

self.addEventListener('message', (event) => {
  const data = event.data
  // The page lists what it loaded before this worker controlled it, so the first visit is cached too.
  if (data?.type === 'cache' && Array.isArray(data.urls)) {
    event.waitUntil(caches.open(CACHE).then(cache => Promise.all(data.urls
      .filter(u => typeof u === 'string' && cacheable(new URL(u)))
      .map(u => fetch(u).then(r => r.ok && cache.put(u, r)).catch(() => {})))))
  }
  // The page saw this worker parked after its install (Chromium gives up an activation when a page's
  // fetch reaches the previous worker at that moment): try again.
  if (data?.type === 'skip-waiting') event.waitUntil(self.skipWaiting())
  // Sign-out: forget every page kept for this user, whichever build cached it.
  if (data?.type === 'forget') event.waitUntil(ownCaches().then(names => Promise.all(names.map(name => caches.delete(name)))))
})
