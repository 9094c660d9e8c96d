// A toxic as it sits in one direction of one connection: a stage that takes chunks in, holds, slices,
// drops or lets them go to the next stage. Toxiproxy runs a chain of such stages per direction per
// connection; this is the same idea with timers instead of goroutines.
import { performance } from 'node:perf_hooks';
import type { Attributes } from '../schema.ts';

/** Where a stage sends what it lets through: the next stage, or the destination socket. */
export interface Outlet {
  push(data: Buffer): void;
  end(): void;
}

/** What a toxic may do to the whole connection it sits in. */
export interface ConnectionControl {
  /** Close both sides gracefully (FIN) after what was already written. */
  close(): void;
  /** Abort both sides with a TCP RST. */
  reset(): void;
}

export interface StageContext {
  /** The toxic's current attributes; read on every use so updates apply to data flowing afterwards. */
  attributes(): Attributes;
  control: ConnectionControl;
}

export const now = (): number => performance.now();

export abstract class Stage {
  out: Outlet = { push: () => {}, end: () => {} };

  constructor(protected readonly ctx: StageContext) {}

  abstract push(data: Buffer): void;

  /** The source finished; by default the end follows the data. */
  end(): void {
    this.out.end();
  }

  /** Bytes held inside this stage (for backpressure on the source). */
  queuedBytes(): number {
    return 0;
  }

  /** The toxic was removed: let go of everything held, in order, and stop acting. */
  release(): void {}

  /** The connection is gone: drop timers and held data. */
  dispose(): void {}

  protected attr(name: string): number {
    return this.ctx.attributes()[name] ?? 0;
  }
}

interface Timed {
  due: number;
  data: Buffer | null; // null = the end of the stream
}

/**
 * A stage that releases each chunk (and the end) at a due time, never out of order: a chunk is never
 * due before the one ahead of it. Latency, bandwidth, slicer and slow_close are all this with a
 * different rule for the due time.
 */
export abstract class ScheduledStage extends Stage {
  private queue: Timed[] = [];
  private timer: NodeJS.Timeout | undefined;
  private held = 0;
  protected lastDue = 0;

  protected enqueue(due: number, data: Buffer | null): void {
    const at = Math.max(due, this.lastDue);
    this.lastDue = at;
    this.queue.push({ due: at, data });
    if (data) this.held += data.length;
    if (this.queue.length === 1) this.releaseDue();
  }

  override queuedBytes(): number {
    return this.held;
  }

  override release(): void {
    this.clearTimer();
    this.emitWhile(() => true);
  }

  override dispose(): void {
    this.clearTimer();
    this.queue = [];
    this.held = 0;
  }

  private releaseDue(): void {
    this.clearTimer();
    const t = now();
    this.emitWhile((item) => item.due <= t + 0.5);
    if (this.queue.length > 0) {
      const wait = Math.max(1, Math.round(this.queue[0].due - now()));
      this.timer = setTimeout(() => this.releaseDue(), wait);
    }
  }

  private emitWhile(ready: (item: Timed) => boolean): void {
    while (this.queue.length > 0 && ready(this.queue[0])) {
      const item = this.queue.shift()!;
      if (item.data === null) {
        this.out.end();
      } else {
        this.held -= item.data.length;
        this.out.push(item.data);
      }
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
