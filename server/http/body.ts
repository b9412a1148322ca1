import { createError, getRequestHeader, readBody } from 'h3'
import type { H3Event } from 'h3'
import type * as v from 'valibot'
import { check } from '#shared/schema'

/** A 400 whose body names the problem (and the field, for forms). */
export function badRequest(message: string, field?: string) {
  return createError({ statusCode: 400, statusMessage: 'Bad Request', message, data: { code: 'bad_request', message, field } })
}

/** Reads a JSON object body; a missing or malformed body is a 400 with a message, never a 500. */
export async function readJsonObject(event: H3Event): Promise<Record<string, unknown>> {
  // JSON only: an HTML form on another site can post form-encoded or text/plain, never JSON.
  if (!getRequestHeader(event, 'content-type')?.toLowerCase().startsWith('application/json')) {
    const message = 'Send the body as application/json.'
    throw createError({ statusCode: 415, statusMessage: 'Unsupported Media Type', message, data: { message } })
  }
  let body: unknown
  try {
    body = await readBody(event)
  }
  catch {
    throw badRequest('The request body must be JSON.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The request body must be a JSON object.')
  return body as Record<string, unknown>
}

/** Reads a JSON body and validates it against its schema (shared with the client); a 400 names the first problem. */
export async function readValidBody<S extends v.GenericSchema>(event: H3Event, schema: S): Promise<v.InferOutput<S>> {
  const result = check(schema, await readJsonObject(event))
  if (!result.ok) throw badRequest(result.message, result.field)
  return result.value
}
