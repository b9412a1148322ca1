/**
 * The error code of a failed API request (docs/protocol.md §11: error bodies carry
 * `data: { code, message }`): the server's code, else `rate_limited` for a 429, else `failed`
 * (no answer, or one without a code). The client words codes itself (i18n messages, `errors.*`).
 */
export function errorCode(error: unknown): string {
  const e = error as { statusCode?: number, status?: number, data?: { data?: { code?: unknown } } } | null
  const code = e?.data?.data?.code
  if (typeof code === 'string') return code
  return (e?.statusCode ?? e?.status) === 429 ? 'rate_limited' : 'failed'
}
