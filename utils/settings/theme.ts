/** The colour schemes a person can choose: the system's (`prefers-color-scheme`), or one of the two. */
export const THEMES = ['system', 'light', 'dark'] as const
export type Theme = typeof THEMES[number]

/** The cookie that carries the choice to the server, so the first paint already has it (no flash). */
export const THEME_COOKIE = 'jizhan_theme'

/** A stored or sent value as a theme: anything unknown (another program's, an old one) is `system`. */
export function parseTheme(value: unknown): Theme {
  return THEMES.includes(value as Theme) ? value as Theme : 'system'
}

/** The scheme the page shows: the choice, or the system's when the choice is to follow it. */
export function resolveTheme(choice: Theme, systemPrefersDark: boolean): 'light' | 'dark' {
  if (choice !== 'system') return choice
  return systemPrefersDark ? 'dark' : 'light'
}

/**
 * The `data-theme` attribute of <html>: set only for an override. Without it the stylesheet follows
 * `prefers-color-scheme` by itself, which the server cannot know but the browser applies before the
 * first paint.
 */
export function themeAttribute(choice: Theme): 'light' | 'dark' | undefined {
  return choice === 'system' ? undefined : choice
}
