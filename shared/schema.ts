import * as v from 'valibot'

/**
 * Helpers shared by every schema (frames, envelopes, HTTP bodies, browser storage): valibot
 * schemas are the single definition of a shape, and its TypeScript type is derived from them.
 */

/** A whole number > 0 (ids, positions, seqs). */
export const id = (message: string) => v.pipe(v.number(message), v.safeInteger(message), v.minValue(1, message))
/** A whole number >= 0 (cursors, counters). */
export const count = (message: string) => v.pipe(v.number(message), v.safeInteger(message), v.minValue(0, message))

export interface Problem {
  message: string
  /** The field the problem is in (top-level key), when there is one. */
  field?: string
}

/**
 * The first problem of a failed parse, as one sentence naming the field. A missing field is
 * reported with the message of that field's own schema (valibot reports it as a generic "key"
 * issue of the object), by validating it again as present but `undefined`. Only runs on failure.
 */
export function firstProblem(schema: v.GenericSchema, input: unknown, issues: readonly v.BaseIssue<unknown>[]): Problem {
  const issue = issues[0]!
  const keys = issue.path?.map(p => p.key as PropertyKey) ?? []
  const last = issue.path?.at(-1)
  if (last?.origin === 'key' && typeof input === 'object' && input !== null) {
    const filled = structuredClone(input) as Record<PropertyKey, unknown>
    let target = filled
    for (const key of keys.slice(0, -1)) target = target[key] as Record<PropertyKey, unknown>
    target[keys.at(-1)!] = undefined
    const again = v.safeParse(schema, filled)
    if (!again.success) return firstProblem(schema, filled, again.issues)
  }
  const field = keys.length > 0 ? String(keys[0]) : undefined
  return field === undefined ? { message: issue.message } : { message: issue.message, field }
}

export type Parsed<T> = { ok: true, value: T } | ({ ok: false } & Problem)

/** Validates `input` against `schema`; never throws. */
export function check<S extends v.GenericSchema>(schema: S, input: unknown): Parsed<v.InferOutput<S>> {
  const result = v.safeParse(schema, input)
  return result.success ? { ok: true, value: result.output } : { ok: false, ...firstProblem(schema, input, result.issues) }
}
