/** Signed-out visitors see the sign-in page; signed-in ones the chat. */
export default defineNuxtRouteMiddleware(async (to) => {
  // A path with no page (e.g. /metrics) is a 404 for everyone, not a reason to sign in.
  if (to.matched.length === 0) return
  const { user, refresh } = useAuth()
  // While hydrating, the server has just asked; on the way to the sign-in page there is nothing to
  // ask. Either question would only log an anonymous visitor's 401 in the console.
  const asked = import.meta.client && (useNuxtApp().isHydrating || to.path === '/login')
  if (!user.value && !asked) await refresh()
  if (!user.value && to.path !== '/login') return navigateTo('/login')
  if (user.value && to.path === '/login') return navigateTo('/')
})
