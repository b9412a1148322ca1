/** Everyone one can write to, with who is online now (on any instance). */
export default defineEventHandler(async (event) => {
  await requireIdentity(event)
  const users = await listUsers()
  return { users: users.map(u => ({ ...u, online: presence.isOnline(u.id) })) }
})
