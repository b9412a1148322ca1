/**
 * What the soak checks, as pure functions over what it recorded (unit-tested in
 * tests/unit/soakChecks.test.ts): every acknowledged message at every device of its recipient
 * exactly once, and nothing growing without bound between minute 2 and the end.
 */

/** Every acknowledged message: id → { to, cid }, from the senders' acks. */
export function createLedger() {
  const byId = new Map()
  const idOfCid = new Map()
  let conflicts = 0
  return {
    byId,
    get conflicts() {
      return conflicts
    },
    /** An ack; `to` is unknown for a repeated ack of a cid already acknowledged. */
    acked(id, to, cid) {
      const known = idOfCid.get(cid)
      if (known !== undefined) {
        // The same cid acknowledged as two messages: stored twice.
        if (known !== id) conflicts++
        return
      }
      idOfCid.set(cid, id)
      byId.set(id, { to, cid })
    },
  }
}

/**
 * Checks each device (`{ userId, received: Map<id, { count, cid }> }`) against the ledger: each
 * message acknowledged to its user applied once (`lost`: never, `duplicates`: extra times), nothing
 * it applied that no sender had acknowledged (`unexpected`) or whose text named another cid
 * (`mismatched`).
 */
export function checkDelivery(ledger, devices) {
  const toUser = new Map()
  for (const [id, { to }] of ledger.byId) {
    if (!toUser.has(to)) toUser.set(to, [])
    toUser.get(to).push(id)
  }
  const result = { acked: ledger.byId.size, expected: 0, once: 0, lost: 0, duplicates: 0, unexpected: 0, mismatched: 0, cidConflicts: ledger.conflicts }
  for (const device of devices) {
    for (const id of toUser.get(device.userId) ?? []) {
      result.expected++
      const count = device.received.get(id)?.count ?? 0
      if (count === 0) result.lost++
      else result.once++
      if (count > 1) result.duplicates += count - 1
    }
    for (const [id, { cid }] of device.received) {
      const acked = ledger.byId.get(id)
      if (!acked || acked.to !== device.userId) result.unexpected++
      else if (acked.cid !== cid) result.mismatched++
    }
  }
  return result
}

/** Bytes → MB with one decimal. */
export const mb = bytes => Math.round(bytes / 2 ** 20 * 10) / 10

/**
 * The soak's verdicts. `samples`: one per minute ({ minute, heapUsed, fds, openSockets }); `idle`:
 * { before, after } file descriptors with no client connected; `delivery`: checkDelivery's result
 * plus `unacked` and `complete`; `server`: { exited }. Heap after GC at the end within `heapSlack`
 * (10 %) of minute 2; descriptors not counting open client sockets at the end at most `fdSlack`
 * above minute 2's, and with nobody connected at most `fdSlack` above the count before the run.
 */
export function soakVerdicts({ samples, idle, delivery, server, exercised }, { heapSlack = 0.1, fdSlack = 16 } = {}) {
  const base = samples.find(s => s.minute === 2)
  const end = samples.at(-1)
  const verdicts = []
  const add = (name, ok, detail) => verdicts.push({ name, ok, detail })
  if (!base || end === base) {
    add('ran long enough', false, 'needs samples at minute 2 and later (--minutes 3 or more)')
    return verdicts
  }
  const heapLimit = base.heapUsed * (1 + heapSlack)
  add('heap after GC', end.heapUsed <= heapLimit,
    `minute ${end.minute} ${mb(end.heapUsed)} MB vs minute 2 ${mb(base.heapUsed)} MB (limit +${heapSlack * 100} %: ${mb(heapLimit)} MB)`)
  const own = s => s.fds - s.openSockets
  add('file descriptors under load', own(end) <= own(base) + fdSlack,
    `minute ${end.minute} ${end.fds} fds with ${end.openSockets} client sockets open (${own(end)} besides them) vs minute 2 ${base.fds} with ${base.openSockets} (${own(base)}); slack ${fdSlack}`)
  add('file descriptors at rest', idle.after <= idle.before + fdSlack,
    `${idle.after} fds with every client gone vs ${idle.before} before the first connected; slack ${fdSlack}`)
  const d = delivery
  add('every acknowledged message delivered once',
    d.complete && d.lost === 0 && d.duplicates === 0 && d.unexpected === 0 && d.mismatched === 0 && d.cidConflicts === 0 && d.unacked === 0,
    `${d.acked} messages acknowledged, ${d.expected} deliveries expected at their recipients' devices: ${d.once} once, `
    + `${d.lost} lost, ${d.duplicates} duplicated, ${d.unexpected} unexpected, ${d.mismatched} mismatched, ${d.cidConflicts} cids stored twice; `
    + `${d.unacked} sends never acknowledged`)
  if (base.metricSeries !== undefined) {
    add('metric series bounded', end.metricSeries === base.metricSeries,
      `/metrics had ${end.metricSeries} jizhan_ series at minute ${end.minute} vs ${base.metricSeries} at minute 2 (labels come from fixed lists)`)
  }
  add('server stayed up', !server.exited, server.exited ? `it exited: ${server.exited}` : 'no exit')
  add('churn exercised', exercised.reconnects > 0 && exercised.bursts > 0 && exercised.slowCut > 0,
    `${exercised.reconnects} reconnects, ${exercised.bursts} reconnect bursts, ${exercised.slowCut} slow consumers cut off and back`)
  return verdicts
}
