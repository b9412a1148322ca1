import { MAX_GROUP_NAME_LENGTH, MAX_TEXT_LENGTH } from '#shared/protocol'
import { OUTBOX_MAX } from '../chat/outbox'
import type { SystemEvent } from '#shared/protocol'

/**
 * Sentences built from the server's codes, in the reader's language: the server never sends words
 * (docs/protocol.md), so a code and its data become a message here through the i18n messages.
 */

/** vue-i18n's `t`, as far as these helpers use it. */
export type Translate = (key: string, named?: Record<string, unknown>, plural?: number) => string

/** Whoever a user id is when their name is not known (yet): no words, so nothing to translate. */
export const someone = (id: number) => `#${id}`

/** "a, b and c" in the reader's language (Intl knows "a、b和c"). */
export function listOf(names: readonly string[], locale: string): string {
  return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(names)
}

/** A system line of a group, from its code and data; `who` turns a user into a name. */
export function systemText(t: Translate, locale: string, event: SystemEvent, actor: string,
  who: (user: { id: number, username: string }) => string, me?: number): string {
  switch (event.event) {
    case 'created': return t('system.created', { actor, name: event.name })
    case 'added': return t('system.added', { actor, users: listOf(event.users.map(who), locale) })
    case 'removed': return t('system.removed', { actor, users: listOf(event.users.map(who), locale) })
    case 'left':
      if (!event.owner) return t('system.left', { actor })
      return event.owner.id === me ? t('system.leftOwnerYou', { actor }) : t('system.leftOwner', { actor, owner: who(event.owner) })
    case 'renamed': return t('system.renamed', { actor, name: event.name })
    case 'role': return t(event.role === 'admin' ? 'system.madeAdmin' : 'system.madeMember', { actor, user: who(event.user) })
  }
}

const KNOWN = new Set(['forbidden', 'not_member', 'group_full', 'too_many_groups', 'unknown_user', 'rate_limited'])

/**
 * Why a group or search request failed, from the server's error code. A `bad_request` there can
 * only be the group's name (everything else is built by this page).
 */
export function groupProblem(t: Translate, code: string): string {
  if (code === 'bad_request') return t('errors.group_name', { max: MAX_GROUP_NAME_LENGTH })
  return t(KNOWN.has(code) ? `errors.${code}` : 'errors.unknown')
}

/** An error code of the server (or of this page) worded; a code with no message is the general failure. */
export function errorText(t: Translate, te: (key: string) => boolean, code: string, params: Record<string, unknown> = {}): string {
  return te(`errors.${code}`) ? t(`errors.${code}`, params) : t('errors.unknown')
}

/**
 * Why a line of one's own was not sent, from its code (the server's, or `outbox_full` from this
 * page). An outbox written before codes may hold English: it reads as the general failure.
 */
export function lineProblem(t: Translate, te: (key: string) => boolean, code: string): string {
  if (code === 'outbox_full') return t('errors.outbox_full', { max: OUTBOX_MAX })
  if (code === 'too_long') return t('errors.too_long', { max: MAX_TEXT_LENGTH })
  return errorText(t, te, code)
}
