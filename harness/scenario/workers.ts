// The client side of a run: `concurrency` workers, each asking the workload's generator for its next
// op, performing it through its own client and recording invoke + completion. A client whose op ended
// in `info` is retired and a fresh process id takes over (Jepsen semantics: an indeterminate process
// never issues again). Every op has a deadline enforced here even if the client forgets its own.
import type { Client, Completion, OpGenerator, OpSpec, Workload, WorkloadContext } from '../generator/types.ts';
import type { HistoryRecorder } from '../history/jsonl.ts';
import type { Rng } from '../rng.ts';
import type { Cluster } from '../target.ts';
import type { Scenario } from './types.ts';

export interface WorkersOptions {
  scenario: Scenario;
  workload: Workload<Cluster>;
  cluster: Cluster;
  /** The run's id (see WorkloadContext.runId). */
  runId: string;
  options: Record<string, unknown>;
  recorder: HistoryRecorder;
  rng: Rng;
  timeLimitMs: number;
  opTimeoutMs: number;
  log: (line: string) => void;
  /** Runs between the main phase and the final ops (stop the nemesis, heal, wait). */
  beforeFinal: () => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Invokes with a hard deadline; a timeout or a throw is an `info` completion. */
export async function invokeWithDeadline(client: Client, op: OpSpec, timeoutMs: number): Promise<Completion> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Completion>((resolve) => {
    timer = setTimeout(() => resolve({ type: 'info', error: `timeout: no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([client.invoke(op).catch((err: unknown) => ({ type: 'info' as const, error: err instanceof Error ? err.message : String(err) })), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

class Worker {
  process: number;
  client: Client | undefined;
  constructor(readonly slot: number, private readonly o: WorkersOptions, private readonly ctx: WorkloadContext<Cluster>, private readonly nextProcess: () => number) {
    this.process = slot;
  }

  private async ensureClient(): Promise<Client> {
    if (this.client) return this.client;
    const client = this.o.workload.client(this.ctx, this.process);
    await client.open();
    this.client = client;
    return client;
  }

  /** Performs one op; returns false when the generator is exhausted. */
  async step(gen: OpGenerator, time: number, rng: Rng): Promise<boolean> {
    const op = gen({ process: this.process, worker: this.slot, time, rng });
    if (!op) return false;
    const { recorder } = this.o;
    let client: Client;
    try {
      client = await this.ensureClient();
    } catch (err) {
      // could not even connect: the op never started, so record it as a definite failure
      recorder.record({ process: this.process, type: 'invoke', f: op.f, value: op.value, key: op.key });
      recorder.record({ process: this.process, type: 'fail', f: op.f, value: op.value, key: op.key, error: `connect: ${err instanceof Error ? err.message : String(err)}` });
      await sleep(200);
      return true;
    }
    recorder.record({ process: this.process, type: 'invoke', f: op.f, value: op.value, key: op.key });
    const done = await invokeWithDeadline(client, op, this.o.opTimeoutMs);
    recorder.record({
      process: this.process, type: done.type, f: op.f, key: op.key,
      value: done.value === undefined ? op.value : done.value,
      ...(done.error ? { error: done.error } : {}), ...(done.node ? { node: done.node } : {}), ...(done.meta ? { meta: done.meta } : {}),
    });
    if (done.type === 'info') await this.retire();
    return true;
  }

  async retire(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    this.process = this.nextProcess();
    if (old) await Promise.race([old.close().catch(() => {}), sleep(2000)]);
  }
}

export async function runWorkers(o: WorkersOptions): Promise<Record<string, number>> {
  const { scenario, workload, recorder } = o;
  const n = scenario.concurrency;
  let next = n;
  const ctx: WorkloadContext<Cluster> = {
    cluster: o.cluster,
    runId: o.runId,
    options: o.options,
    events: (process) => (f, value, extra) => recorder.record({ process, type: 'event', f, value, ...extra }),
  };
  const workers = Array.from({ length: n }, (_, slot) => new Worker(slot, o, ctx, () => next++));
  const start = performance.now();
  const end = start + o.timeLimitMs;
  const gap = scenario.rate ? (n * 1000) / scenario.rate : 0;
  const main = workers.map(async (w) => {
    const rng = o.rng.fork(`worker-${w.slot}`);
    while (performance.now() < end) {
      const t = performance.now();
      if (!(await w.step(workload.generator, t - start, rng))) break;
      if (gap) await sleep(Math.max(0, gap * (0.5 + rng.float()) - (performance.now() - t)));
    }
  });
  try {
    await Promise.all(main);
    const mainMs = performance.now() - start;
    const mainOps = recorder.ops.filter((op) => op.type === 'invoke').length;
    await o.beforeFinal();
    if (workload.final) {
      await Promise.all(workers.map(async (w) => {
        const rng = o.rng.fork(`final-${w.slot}`);
        for (let i = 0; i < 100; i++) if (!(await w.step(workload.final!, performance.now() - start, rng))) break;
      }));
    }
    const okOps = recorder.ops.filter((op) => op.type === 'ok').length;
    return { ops: mainOps, okOps, opsPerSec: Math.round((mainOps / mainMs) * 1000 * 10) / 10 };
  } finally {
    await Promise.all(workers.map((w) => (w.client ? Promise.race([w.client.close().catch(() => {}), sleep(2000)]) : undefined)));
  }
}
