/** `promise`, or a rejection naming `what` when it takes longer than `ms`. The timer never outlives it. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
      timer.unref()
    }),
  ]).finally(() => clearTimeout(timer))
}
