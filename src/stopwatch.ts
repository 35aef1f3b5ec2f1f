/**
 * A lap timer for a run's phase timings: each call returns the seconds since the previous call (or
 * since the timer was made), to the millisecond.
 */
export function stopwatch(): () => number {
  let clock = performance.now()
  return () => {
    const now = performance.now()
    const took = (now - clock) / 1000
    clock = now
    return Math.round(took * 1000) / 1000
  }
}
