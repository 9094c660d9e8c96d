// Runs the planned runs, up to `parallel` at once, in plan order. Stops starting new runs once the
// budget is spent or an interrupt arrives; an interrupt is passed on to every running child, and the
// pool waits until each has cleaned up and exited. A run that fails in any way is recorded and the
// pool goes on with the next.
import type { CampaignRun } from './types.ts';
import type { ChildExit } from './outcome.ts';
import type { RunningChild } from './child.ts';

export interface PoolEvents {
  started(run: CampaignRun): void;
  finished(run: CampaignRun, exit: ChildExit): void;
}

export interface PoolOptions {
  parallel: number;
  /** Milliseconds after which no new run starts. */
  budgetMs?: number;
  start(run: CampaignRun): RunningChild;
  events: PoolEvents;
  now?: () => number;
}

export class RunPool {
  private readonly running = new Map<number, RunningChild>();
  private interruptedBy: NodeJS.Signals | null = null;
  private wake: () => void = () => {};

  constructor(private readonly o: PoolOptions) {}

  get interrupted(): NodeJS.Signals | null {
    return this.interruptedBy;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Stops starting runs and passes the signal on to every running child. */
  interrupt(signal: NodeJS.Signals): void {
    this.interruptedBy ??= signal;
    for (const child of this.running.values()) child.signal(signal);
    this.wake();
  }

  /** Runs until every run has finished or will not start; marks the rest `not-started`. */
  async run(runs: CampaignRun[]): Promise<void> {
    const now = this.o.now ?? Date.now;
    const t0 = now();
    const inFlight = new Set<Promise<void>>();
    for (const run of runs) {
      while (this.running.size >= this.o.parallel && !this.interruptedBy) await this.nextEvent(inFlight);
      if (this.interruptedBy || (this.o.budgetMs !== undefined && now() - t0 >= this.o.budgetMs)) break;
      const p = this.launch(run).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    for (const run of runs) if (run.state === 'planned') run.state = 'not-started';
  }

  private nextEvent(inFlight: Set<Promise<void>>): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      void Promise.race(inFlight).then(resolve);
    });
  }

  private async launch(run: CampaignRun): Promise<void> {
    let child: RunningChild;
    try {
      child = this.o.start(run);
    } catch (err) {
      this.o.events.finished(run, { code: null, signal: null, tail: `could not start the run: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    Object.assign(run, { state: 'running', pid: child.pid, startedAt: new Date().toISOString() });
    this.running.set(run.id, child);
    if (this.interruptedBy) child.signal(this.interruptedBy); // an interrupt raced with the start
    this.o.events.started(run);
    const t0 = performance.now();
    const exit = await child.exited;
    run.wallMs = Math.round(performance.now() - t0);
    this.running.delete(run.id);
    this.o.events.finished(run, exit);
  }
}
