/** Signed-out visitors see the sign-in page; signed-in ones the chat. */
export default defineNuxtRouteMiddleware(async (to) => {
  const { user, refresh } = useAuth()
  if (!user.value) await refresh()
  if (!user.value && to.path !== '/login') return navigateTo('/login')
  if (user.value && to.path === '/login') return navigateTo('/')
})
