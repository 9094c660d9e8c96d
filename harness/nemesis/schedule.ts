// Fault schedules as plain values: which fault starts when, for how long, and the random draw that
// picks its victims. A plan says what to draw from; arbitrary.ts draws the schedule from the run's
// seed alone, so the same seed gives the same schedule and a printed schedule can be replayed (or
// shrunk) exactly. Faults follow one another with a gap between them, and the last `quietMs` of the
// run stay fault-free so the system can recover before final reads.
import type { PlannedFault } from './types.ts';

export interface SchedulePlan {
  /** Fault kind names to draw from (uniformly), or to take in turn (`order: 'cycle'`). */
  faults: string[];
  /** 'random' (default): each fault's kind is drawn; 'cycle': the kinds follow the list's order,
   *  repeating, so every seed runs the same sequence (timings and victims still drawn from it). */
  order?: 'random' | 'cycle';
  /** Seconds between one fault's end and the next one's start (also before the first), [min, max]. */
  interval: [number, number];
  /** Seconds each fault lasts, [min, max]. */
  duration: [number, number];
  /** Length of the workload, ms. */
  timeLimitMs: number;
  /** Fault-free time at the end of the workload, ms. */
  quietMs: number;
}

/** One line per schedule, for logs and replay instructions: "kill@3.0s/2.5s, partition-one@…". */
export const describeSchedule = (schedule: readonly PlannedFault[]): string =>
  schedule.map((f) => `${f.kind}@${(f.at / 1000).toFixed(1)}s/${(f.duration / 1000).toFixed(1)}s`).join(', ') || 'no faults';
