// The live view of a campaign on stderr: on a terminal, one progress line (cli-progress) with runs done,
// running and not as expected and the time left, each finished run logged above it; when stderr is
// not a terminal (CI logs, pipes), no bar — a plain line per started and finished run instead.
import { MultiBar, type SingleBar } from 'cli-progress';
import type { CampaignRun } from './types.ts';

export interface ProgressOptions {
  runs: CampaignRun[];
  parallel: number;
  budgetMs?: number;
  tty: boolean;
  write?: (line: string) => void;
}

/** Wall time a run is expected to take before any has finished: workload + start, heal, checks. */
const firstGuessMs = (r: CampaignRun) => (r.timeLimit + 15) * 1000;

const fmtLeft = (ms: number) => (ms >= 90_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(0, Math.round(ms / 1000))} s`);

const mark = (r: CampaignRun) => (r.outcome === 'pass' ? '✔' : r.outcome === 'fail' ? '✘' : r.outcome === 'known' ? '≈' : r.outcome === 'error' ? '?' : '–');

export class CampaignProgress {
  private readonly t0 = Date.now();
  private readonly write: (line: string) => void;
  private bars: MultiBar | null = null;
  private bar: SingleBar | null = null;
  private ticker: NodeJS.Timeout | null = null;

  constructor(private readonly o: ProgressOptions) {
    this.write = o.write ?? ((line) => process.stderr.write(`${line}\n`));
    if (!o.tty) return;
    this.bars = new MultiBar({
      format: 'campaign {bar} {value}/{total} | {running} running | {failed} failed | {left}',
      barsize: 20, hideCursor: true, clearOnComplete: false, stopOnComplete: false, gracefulExit: false, stream: process.stderr,
    });
    this.bar = this.bars.create(o.runs.length, 0, this.payload());
    this.ticker = setInterval(() => this.redraw(), 1000);
    this.ticker.unref();
  }

  private counts() {
    const done = this.o.runs.filter((r) => r.outcome).length;
    const running = this.o.runs.filter((r) => r.state === 'running').length;
    const failed = this.o.runs.filter((r) => r.outcome === 'fail' || r.outcome === 'error').length;
    return { done, running, failed };
  }

  /** Estimated time to finish: the runs left at the mean wall time so far, `parallel` at once; capped by the budget. */
  timeLeft(): string {
    const finished = this.o.runs.filter((r) => r.wallMs !== undefined);
    const mean = finished.length ? finished.reduce((t, r) => t + r.wallMs!, 0) / finished.length : undefined;
    const pending = this.o.runs.filter((r) => r.state === 'planned' || r.state === 'running');
    const estimate = pending.reduce((t, r) => t + (mean ?? firstGuessMs(r)), 0) / this.o.parallel;
    if (this.o.budgetMs === undefined) return `~${fmtLeft(estimate)} left`;
    const budgetLeft = this.o.budgetMs - (Date.now() - this.t0);
    return budgetLeft <= 0 ? 'budget spent: finishing the running ones' : `~${fmtLeft(Math.min(estimate, budgetLeft + (mean ?? 0)))} left (budget ${fmtLeft(budgetLeft)})`;
  }

  private payload() {
    const { running, failed } = this.counts();
    return { running, failed, left: this.timeLeft() };
  }

  private redraw(): void {
    this.bar?.update(this.counts().done, this.payload());
  }

  log(line: string): void {
    if (this.bars) this.bars.log(`${line}\n`);
    else this.write(line);
    this.redraw();
  }

  started(run: CampaignRun): void {
    if (!this.bars) this.write(`campaign: started ${run.scenario} on ${run.target} seed ${run.seed} (run ${run.id}/${this.o.runs.length}, pid ${run.pid}) → ${run.dir}`);
    this.redraw();
  }

  finished(run: CampaignRun): void {
    const { done, running, failed } = this.counts();
    const wall = run.wallMs === undefined ? '' : ` (${Math.round(run.wallMs / 1000)} s)`;
    const tail = this.bars ? '' : ` — ${done}/${this.o.runs.length} done, ${running} running, ${failed} not as expected, ${this.timeLeft()}`;
    this.log(`${mark(run)} ${run.scenario} on ${run.target} seed ${run.seed}: ${run.verdictLine ?? run.state}${wall}${tail}`);
    if (run.outcome === 'pass') return; // a must-fail run that was caught needs no replay here
    for (const k of run.outcome === 'known' ? run.knownIssues ?? [] : []) this.log(`    violation matching known upstream issue ${k.id} (${k.url})`);
    if (run.replay) this.log(`    replay: ${run.replay}`);
    if (run.shrink) this.log(`    shrunk (${run.shrink.change}): ${run.shrink.replay}`);
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.redraw();
    this.bars?.stop();
    this.bars = null;
  }
}
