// The clocks zk-lite reads. Every timeout, lease and deadline is measured on the monotonic clock
// (performance.now → CLOCK_MONOTONIC), as ZooKeeper measures them with System.nanoTime
// (Time.currentElapsedTime), so a step of the wall clock changes none of them; only what is a date
// by nature (a znode's mtime, the seed of session ids, zk_uptime) reads the wall clock (Date.now).
// The `wall-clock` bug (BUGS.md) makes the leader's lease and its session expiry read the wall
// clock instead: exactly what a wall-clock step on the leader then breaks.
import type { BugName } from './config.ts';

/** ms on the monotonic clock (an arbitrary origin; for durations and deadlines only). */
export const elapsedMs = (): number => performance.now();

/** The clock the leader's lease and session expiry read: monotonic, or the wall clock with the bug. */
export function leaseClock(bugs: ReadonlySet<BugName>): () => number {
  return bugs.has('wall-clock') ? () => Date.now() : elapsedMs;
}
