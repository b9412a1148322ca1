/**
 * Any /api path no endpoint claims: 404 JSON, for every method. Without it the page renderer would
 * answer, and send signed-out callers to the sign-in page. Specific routes always win over this one.
 */
export default defineEventHandler(() => {
  const message = 'No such API endpoint.'
  throw createError({ statusCode: 404, statusMessage: 'Not Found', message, data: { message } })
})
