// Writer of the native history format: append-only JSONL, one Op per line. Each line goes to the
// kernel with one write(2) call as soon as it is recorded, so a crash of the harness keeps every
// complete line (the reader ignores a truncated last one); close() fsyncs.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Op } from './op.ts';

/** Appends ops to a JSONL file, assigning each its index and its time (ms since the recorder started). */
export class HistoryRecorder {
  readonly ops: Op[] = [];
  private fd: number | null;
  private readonly t0 = performance.now();

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Same as the constructor, for callers that prefer an async factory. */
  static async open(path: string): Promise<HistoryRecorder> {
    return new HistoryRecorder(path);
  }

  /** Milliseconds since the run started (the clock every recorded op uses). */
  now(): number {
    return performance.now() - this.t0;
  }

  /** Records that arrived after close() (a session event racing the end of a run); not written. */
  dropped = 0;

  record(op: Omit<Op, 'index' | 'time'> & { time?: number }): Op {
    const { time, ...rest } = op;
    const full = { index: this.ops.length, time: time ?? this.now(), ...rest } as Op;
    if (this.fd === null) {
      // the run is over: a late callback must not crash the harness while it cleans up
      this.dropped++;
      return full;
    }
    writeSync(this.fd, `${JSON.stringify(full)}\n`);
    this.ops.push(full);
    return full;
  }

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}
