import type { StorageLike } from '../../utils/chat/persisted'

/** A `localStorage` stand-in; `map` shows what is stored. */
export function memoryStorage(): StorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return {
    map,
    getItem: k => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: k => void map.delete(k),
  }
}
