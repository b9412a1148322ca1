import { streamHead } from './storage/reads'

/**
 * The stream head of each user with a socket here, kept current from the events this instance
 * delivers (its own writes and the other instances' envelopes), so a welcome and a resume need no
 * query when the user already has a socket here (a second tab, a reconnect wave). Read from the
 * database on first use — events delivered while that read is under way are noted, so the head is
 * never behind what this instance delivered — and forgotten when the user's last socket here
 * closes. With several instances a head can still be behind the database (an envelope lost in a
 * Redis outage): replay.ts then asks the database.
 */
const heads = new Map<number, number>()
const reading = new Map<number, { noted: number, head: Promise<number> }>()

/** The user's stream head: cached, or read once. */
export function headOf(userId: number): Promise<number> {
  const cached = heads.get(userId)
  if (cached !== undefined) return Promise.resolve(cached)
  const inFlight = reading.get(userId)
  if (inFlight) return inFlight.head
  const entry = { noted: 0, head: Promise.resolve(0) }
  entry.head = streamHead(userId).then((read) => {
    const head = Math.max(read, entry.noted)
    if (reading.get(userId) === entry) {
      reading.delete(userId)
      heads.set(userId, head)
    }
    return head
  }, (error) => {
    if (reading.get(userId) === entry) reading.delete(userId)
    throw error
  })
  reading.set(userId, entry)
  return entry.head
}

/** An event of the user's stream was delivered here. */
export function noteEvent(userId: number, pos: number): void {
  const head = heads.get(userId)
  if (head !== undefined) {
    if (pos > head) heads.set(userId, pos)
    return
  }
  const inFlight = reading.get(userId)
  if (inFlight && pos > inFlight.noted) inFlight.noted = pos
}

/** The user's last socket here closed. */
export function forgetHead(userId: number): void {
  heads.delete(userId)
  reading.delete(userId)
}
