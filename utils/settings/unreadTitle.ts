import type { Translate } from '../i18n/phrases'

/** The unread lines of every conversation in the list, direct and group: the sum of its badges. */
export function unreadTotal(entries: ReadonlyArray<{ unread: number }>): number {
  return entries.reduce((sum, e) => sum + Math.max(0, e.unread), 0)
}

/** The document title: "(3) 聊天 · 基站" while something is unread, the plain title otherwise. */
export function unreadTitle(t: Translate, total: number, title: string): string {
  return total > 0 ? t('app.title.unread', { n: total, title }) : title
}
