// Runs a fault schedule against a started cluster while the workload goes on: starts each fault at
// its time, ends it after its duration, and records both as nemesis events in the history. Whatever
// happens — the workload ends early, a fault fails to start, the run is aborted — every fault that
// started is ended and the network healed before this returns, and no step waits without a deadline.
import { HarnessError } from '../errors.ts';
import { NEMESIS, type FaultValue, type Op } from '../history/op.ts';
import type { ActiveFault, FaultContext, FaultKind, PlannedFault } from './types.ts';

/** A nemesis record as handed to the history recorder (it adds index and time). */
export type NemesisEvent = Omit<Op, 'index' | 'time'> & { value: FaultValue };

/** Longest a single start or end (a kill, a restart until the node serves, a heal) may take. */
export const FAULT_STEP_TIMEOUT_MS = 60_000;

interface Step {
  time: number;
  phase: 'start' | 'end';
  index: number;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function bounded<T>(what: string, work: Promise<T>, ms = FAULT_STEP_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new HarnessError(`timed out after ${ms / 1000}s: ${what}`)), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves at `deadline` (Date.now() ms) or as soon as the signal aborts. */
function sleepUntil(deadline: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Start and end moments in time order; an end comes before a start at the same moment. */
function timeline(schedule: readonly PlannedFault[]): Step[] {
  const steps = schedule.flatMap((f, index): Step[] => [
    { time: f.at, phase: 'start', index },
    { time: f.at + f.duration, phase: 'end', index },
  ]);
  return steps.sort((a, b) => a.time - b.time || (a.phase === b.phase ? a.index - b.index : a.phase === 'end' ? -1 : 1));
}

export async function runNemesis(
  schedule: readonly PlannedFault[],
  ctx: FaultContext,
  record: (event: NemesisEvent) => void,
  signal: AbortSignal,
  kinds: Record<string, FaultKind>,
): Promise<void> {
  const t0 = Date.now();
  const active = new Map<number, { fault: PlannedFault; running: ActiveFault }>();
  const event = (f: 'fault-start' | 'fault-end', value: FaultValue): void =>
    record({ process: NEMESIS, type: 'event', f, value, node: value.targets?.[0] });

  const start = async (index: number) => {
    const fault = schedule[index];
    const kind = kinds[fault.kind];
    if (!kind) return ctx.log(`nemesis: unknown fault kind '${fault.kind}', skipped`);
    if (!kind.supported(ctx)) return ctx.log(`nemesis: ${fault.kind} is not supported by ${ctx.cluster.target} on ${ctx.runtime.kind}, skipped`);
    try {
      const running = await bounded(`starting ${fault.kind}`, kind.start(ctx, fault.pick));
      active.set(index, { fault, running });
      event('fault-start', { fault: fault.kind, id: String(index), targets: running.targets, detail: running.detail });
      ctx.log(`nemesis: ${fault.kind} #${index} started on ${running.targets.join(', ') || 'nothing'}`);
    } catch (err) {
      ctx.log(`nemesis: ${fault.kind} #${index} failed to start: ${errorText(err)}`);
    }
  };

  const end = async (index: number) => {
    const entry = active.get(index);
    if (!entry) return;
    active.delete(index);
    let error: string | undefined;
    try {
      await bounded(`ending ${entry.fault.kind}`, entry.running.end());
    } catch (err) {
      error = errorText(err);
      ctx.log(`nemesis: ${entry.fault.kind} #${index} did not end cleanly: ${error}`);
    }
    event('fault-end', { fault: entry.fault.kind, id: String(index), targets: entry.running.targets, ...(error ? { detail: { error } } : {}) });
    ctx.log(`nemesis: ${entry.fault.kind} #${index} ended`);
  };

  try {
    for (const step of timeline(schedule)) {
      await sleepUntil(t0 + step.time, signal);
      if (signal.aborted) break;
      await (step.phase === 'start' ? start(step.index) : end(step.index));
    }
  } finally {
    for (const index of [...active.keys()]) await end(index);
    await bounded('healing the network', ctx.runtime.network.heal()).catch((err) => ctx.log(`nemesis: final heal failed: ${errorText(err)}`));
  }
}
