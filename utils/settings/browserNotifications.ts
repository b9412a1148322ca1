import type { NotificationPermissionState } from './notification'

/** The browser's Notification API, where there is one (not in every browser, never on the server). */
const api = (): typeof Notification | undefined => (typeof window !== 'undefined' && 'Notification' in window ? window.Notification : undefined)

/** What the browser allows now. */
export function notificationPermission(): NotificationPermissionState {
  return api()?.permission ?? 'unsupported'
}

/** Asks the browser (call only from a person's action: browsers ignore or punish unprompted asks). */
export async function requestNotificationPermission(): Promise<NotificationPermissionState> {
  const N = api()
  if (!N) return 'unsupported'
  if (N.permission !== 'default') return N.permission
  try {
    return await N.requestPermission()
  }
  catch {
    return N.permission
  }
}

/**
 * Shows one notification; a newer one replaces it (one tag), so a burst of lines is one alert.
 * Clicking it brings the chat forward. Where pages may not construct notifications (Chrome on
 * Android), the service worker shows it.
 */
export function showNotification(title: string, body: string | null, lang: string): void {
  const N = api()
  if (!N) return
  const options: NotificationOptions = { body: body ?? undefined, tag: 'jizhan-message', lang }
  try {
    const notification = new N(title, options)
    notification.onclick = () => {
      window.focus()
      notification.close()
    }
  }
  catch {
    navigator.serviceWorker?.ready.then(r => r.showNotification(title, options)).catch(() => {})
  }
}
