import type { TypingEnv } from '../../stores/typing'

/** The real browser behind the typing store: timers and the page's visibility. */
export function browserTypingEnv(): TypingEnv {
  return {
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: id => window.clearTimeout(id as number),
    now: () => Date.now(),
    isVisible: () => document.visibilityState === 'visible',
    onVisibilityChange(fn) {
      document.addEventListener('visibilitychange', fn)
      return () => document.removeEventListener('visibilitychange', fn)
    },
  }
}
