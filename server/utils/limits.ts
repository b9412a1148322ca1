/** WebSocket limits, from runtime config (docs: README configuration table). */

/** Symbol under which the raw socket records whether the frame being handled was binary. */
export const BINARY_FLAG = Symbol('jizhan.lastFrameBinary')

function positiveInt(value: unknown, fallback: number): number {
  const n = Number(value)
  return Number.isSafeInteger(n) && n > 0 ? n : fallback
}

/** Largest frame accepted (bytes); larger ones close the connection with 1009 before buffering. */
export function wsMaxFrameBytes(): number {
  return positiveInt(useRuntimeConfig().wsMaxFrameBytes, 64 * 1024)
}

/** Invalid frames in a row after which the connection is closed with 1008. */
export function wsMaxInvalidFrames(): number {
  return positiveInt(useRuntimeConfig().wsMaxInvalidFrames, 10)
}
