let draining = false

/** Called when the process starts shutting down: readiness turns false and new sockets are refused. */
export function markDraining(): void {
  draining = true
}

/** Whether this instance is shutting down. */
export function isDraining(): boolean {
  return draining
}
