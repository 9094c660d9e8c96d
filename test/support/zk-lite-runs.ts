// The zk-lite scenario table, shared by the zk-lite-scenarios-*.test.ts files (split so the parallel
// suite can run them side by side): short runs of every ZooKeeper scenario family that bug-free
// zk-lite must pass, and which scenario catches each of its six switchable bugs (BUGS.md gives the
// same table) — bug → scenario → seed, and a fixed fault schedule where the seed's own schedule would
// not hit the bug's window. Each run goes through the real pipeline (runScenario, default runtime).
import assert from 'node:assert/strict';
import type { RunResult } from '../../harness/checker/result.ts';
import type { PlannedFault } from '../../harness/nemesis/types.ts';
import { checkNamed, runInTemp, summary } from './runs.ts';
import type { KNOWN_BUGS } from '../../targets/zk-lite/config.ts';

export interface Run { scenario: string; seed: number; timeLimit: number; schedule?: PlannedFault[] }
/** A bug, the run that catches it and, where it matters, the checker that must be the one to fail. */
export type Catch = Run & { bug: (typeof KNOWN_BUGS)[number]; checker?: string };

const run = async (r: Run, target: string): Promise<RunResult> =>
  (await runInTemp({ scenario: r.scenario, target, seed: r.seed, timeLimit: r.timeLimit, schedule: r.schedule })).result;
const shape = (r: Run) => `seed ${r.seed}, ${r.timeLimit} s${r.schedule ? ', fixed schedule' : ''}`;

/** n1 down for 6 s: the first candidate (process 0, on n1) loses its session, which must end its
 *  ephemeral node — the election's leader must change within session timeout + election bound. */
const KILL_N1: PlannedFault[] = [{ kind: 'kill', at: 2000, duration: 6000, pick: 0.1 }];
/** Two leader changes while the queue has a backlog: later enqueues must still sort after it. */
const KILL_LEADER_TWICE: PlannedFault[] = [
  { kind: 'kill-leader', at: 2000, duration: 2500, pick: 0.5 },
  { kind: 'kill-leader', at: 6500, duration: 2500, pick: 0.5 },
];
/** n2 down for 4 s: the observer (process 0) lists from n1 throughout, so lists keep coming while
 *  members live on n1 and n3 (the seed's own schedule may stall the observer for most of a short run
 *  on a loaded machine, leaving presence unjudged), and the member on n2 loses its server. */
const KILL_N2: PlannedFault[] = [{ kind: 'kill', at: 3000, duration: 4000, pick: 0.5 }];
/** The leader's wall clock 60 s back for 2.5 s, then forward again (pick 0.9: the back direction),
 *  twice: each forward step expires the idle witness sessions (the leader proposes the expiries
 *  before its lease check can make it step down: server.ts expireSessions), and the second jump
 *  hits the leader of that moment, whoever it is. */
const JUMP_LEADER_TWICE: PlannedFault[] = [2000, 6500].map((at) => ({ kind: 'clock-jump-leader', at, duration: 2500, pick: 0.9 }));
/** The leader's disk full, then every disk, and a power loss while they are still full: what was
 *  acknowledged while the disks were full must survive the crash. (With the crash after the disks
 *  were freed, ignore-enospc went uncaught about 1 run in 9: a leader change in between made the
 *  followers rewrite their logs whole from memory, entries the full disk had refused included.) */
const DISKS_FULL_THEN_CRASH: PlannedFault[] = [
  { kind: 'disk-full-leader', at: 1500, duration: 2500, pick: 0.5 },
  { kind: 'disk-full-all', at: 5000, duration: 4000, pick: 0.5 },
  { kind: 'kill-all', at: 8000, duration: 2000, pick: 0.5 },
];
/** Three short isolations of the leader: each gives a leader that acknowledges before a quorum about
 *  a second of writes the majority never gets (one isolation shows it in about half the runs, the
 *  majority's next write to the key often lands before anyone reads it). */
const ISOLATE_LEADER_3X: PlannedFault[] = [1500, 5000, 8500].map((at) => ({ kind: 'partition-leader', at, duration: 2500, pick: 0.5 }));

/** Bug-free zk-lite must pass these: the register family ... */
export const REGISTER_PASSES: Run[] = [
  { scenario: 'zk-register', seed: 3, timeLimit: 10 },
  { scenario: 'zk-register-leader-isolation', seed: 3, timeLimit: 12 },
  { scenario: 'zk-register-crash', seed: 1, timeLimit: 12 },
  { scenario: 'zk-register-stale', seed: 1, timeLimit: 12 },
  { scenario: 'zk-register-stale', seed: 1, timeLimit: 12, schedule: ISOLATE_LEADER_3X },
  { scenario: 'zk-register-disk-full', seed: 1, timeLimit: 13, schedule: DISKS_FULL_THEN_CRASH },
];

/** ... and the recipes (every fixed schedule the bug table uses included). */
export const RECIPE_PASSES: Run[] = [
  { scenario: 'zk-lock', seed: 3, timeLimit: 10 },
  { scenario: 'zk-election', seed: 3, timeLimit: 12, schedule: KILL_N1 },
  { scenario: 'zk-queue-backlog', seed: 1, timeLimit: 12, schedule: KILL_LEADER_TWICE },
  { scenario: 'zk-barrier', seed: 3, timeLimit: 10 },
  { scenario: 'zk-membership', seed: 3, timeLimit: 12, schedule: KILL_N2 },
  { scenario: 'zk-config', seed: 3, timeLimit: 10 },
  { scenario: 'zk-watch', seed: 1, timeLimit: 8 },
];

/** Which scenario catches which bug (BUGS.md gives the same table). */
export const CATCHES: Catch[] = [
  { bug: 'stale-read', scenario: 'zk-register-stale', seed: 1, timeLimit: 12 },
  { bug: 'early-ack', scenario: 'zk-register-stale', seed: 1, timeLimit: 12, schedule: ISOLATE_LEADER_3X },
  { bug: 'ephemeral-leak', scenario: 'zk-election', seed: 3, timeLimit: 12, schedule: KILL_N1 },
  { bug: 'seq-reuse', scenario: 'zk-queue-backlog', seed: 1, timeLimit: 12, schedule: KILL_LEADER_TWICE },
  { bug: 'double-watch', scenario: 'zk-watch', seed: 1, timeLimit: 8 },
  { bug: 'no-fsync', scenario: 'zk-register-crash', seed: 1, timeLimit: 12 },
  { bug: 'wall-clock', scenario: 'zk-register-clock', seed: 1, timeLimit: 12, schedule: JUMP_LEADER_TWICE, checker: 'session-expiry' },
  { bug: 'ignore-enospc', scenario: 'zk-register-disk-full', seed: 1, timeLimit: 13, schedule: DISKS_FULL_THEN_CRASH },
];

/** One test per run: bug-free zk-lite passes it. */
export function itPasses(rows: readonly Run[]): void {
  for (const r of rows) {
    it(`${r.scenario} passes on bug-free zk-lite (${shape(r)})`, async () => {
      const result = await run(r, 'zk-lite');
      assert.equal(result.valid, true, summary(result));
    });
  }
}

/** One test per row: zk-lite with the row's bug fails the row's scenario. */
export function itCatches(rows: readonly Catch[]): void {
  for (const c of rows) {
    it(`${c.scenario} catches ${c.bug} (${shape(c)})`, async () => {
      const result = await run(c, `zk-lite:bug=${c.bug}`);
      assert.equal(result.valid, false, summary(result));
      if (c.checker) assert.equal(checkNamed(result, c.checker).valid, false, summary(result));
    });
  }
}
