import { createError } from 'h3'
import type { H3Event } from 'h3'
import type * as v from 'valibot'
import { checkAccount } from '#shared/accounts'
import { readJsonObject } from './body'

/** Refusals of the account endpoints besides a bad field. */
export type AccountRefusalCode = 'username_taken' | 'wrong_credentials' | 'wrong_password' | 'account_disabled'

const STATUS: Record<AccountRefusalCode, [number, string]> = {
  username_taken: [409, 'Conflict'],
  wrong_credentials: [401, 'Unauthorized'],
  wrong_password: [401, 'Unauthorized'],
  account_disabled: [403, 'Forbidden'],
}

/**
 * An HTTP error of an account endpoint: `data` has the code the client words, the numbers its
 * wording needs (`params`), the field at fault (for `aria-describedby`), and English for developers.
 */
export function accountError(code: AccountRefusalCode, message: string, field?: string) {
  const [statusCode, statusMessage] = STATUS[code]
  return createError({ statusCode, statusMessage, message, data: { code, message, ...(field ? { field } : {}) } })
}

/** Reads a JSON body of an account endpoint; a refused field is a 400 with its code, params and field. */
export async function readAccountBody<S extends v.GenericSchema>(event: H3Event, schema: S): Promise<v.InferOutput<S>> {
  const result = checkAccount(schema, await readJsonObject(event))
  if (result.ok) return result.value
  const { code, params, field, message } = result.problem
  throw createError({ statusCode: 400, statusMessage: 'Bad Request', message, data: { code, message, field, ...(params ? { params } : {}) } })
}
