/** Signed-out visitors see the sign-in page; signed-in ones the chat. */
export default defineNuxtRouteMiddleware(async (to) => {
  // A path with no page (e.g. /metrics) is a 404 for everyone, not a reason to sign in.
  if (to.matched.length === 0) return
  const { user, refresh } = useAuth()
  if (!user.value) await refresh()
  if (!user.value && to.path !== '/login') return navigateTo('/login')
  if (user.value && to.path === '/login') return navigateTo('/')
})
