// `--memory-limit` is a ceiling on the whole process, not on one phase of it: reading a history, pairing
// its operations and searching them all count against the same resident set. Whoever grows the process
// by a lot (the history reader, the checker before its search) asks the ceiling now and then; when the
// process is above it, the answer is a one-line usage error saying the history does not fit, never a
// verdict about part of it. Near the ceiling a full garbage collection runs first, so that V8 reuses
// the memory of dead objects instead of growing the process past the limit with them.
import { UsageError } from './errors.ts';

const MB = 2 ** 20;
/** Above this share of the limit a full collection runs before the next check... */
const COLLECT_AT = 0.8;
/** ...and again only after the process grew by this share of the limit since the last one. */
const COLLECT_EVERY = 0.04;
/** Stop this far below the limit, so that the peak stays under it: the work between two checks (one
 *  chunk of a file) adds a few MB, and V8 grows its young generation (two semi-spaces of up to 16 MB)
 *  in a step when many new objects survive — as a history's ops do — which was measured as a 30 MB jump
 *  between two checks. */
const MARGIN_SHARE = 0.03, YOUNG_GENERATION = 32 * MB;

let collector: (() => void) | undefined;

/** V8's full collector. Node exposes it only with --expose-gc, which a `tsx`/`npx` start does not pass;
 *  with the flag set at run time, a new context gets the `gc` function. */
function collectGarbage(): void {
  if (!collector) {
    // node:v8 and node:vm load here, near the ceiling, not at every start of `faultline check`
    process.getBuiltinModule('node:v8').setFlagsFromString('--expose-gc');
    collector = process.getBuiltinModule('node:vm').runInNewContext('gc') as () => void;
  }
  collector();
}

export const rssBytes = (): number => process.memoryUsage.rss();

export class MemoryCeiling {
  readonly limitBytes: number;
  private readonly stopAt: number;
  private collectedAt = 0;

  constructor(readonly limitMb: number) {
    this.limitBytes = limitMb * MB;
    this.stopAt = this.limitBytes - YOUNG_GENERATION - this.limitBytes * MARGIN_SHARE;
  }

  /** Throws a UsageError when the limit leaves no room at all: faultline itself, before reading
   *  anything, already takes what it allows. */
  assertRoomToStart(): void {
    const rss = rssBytes();
    if (rss <= this.stopAt) return;
    const needs = Math.ceil((rss + (this.limitBytes - this.stopAt)) / MB);
    throw new UsageError(`--memory-limit ${this.limitMb} MB leaves no room to read a history: faultline itself takes ${Math.round(rss / MB)} MB before reading anything (give at least ${needs} MB)`);
  }

  /** Throws a UsageError when the process is above the ceiling. `where` says what was being done and how
   *  far it got (`after line 120000 of 1.5M …`); `need` estimates the memory the whole job would take. */
  assertFits(where: () => string, need?: () => number | undefined): void {
    let rss = rssBytes();
    if (rss < this.limitBytes * COLLECT_AT) return;
    if (rss - this.collectedAt > this.limitBytes * COLLECT_EVERY) {
      collectGarbage();
      rss = rssBytes();
      this.collectedAt = rss;
    }
    if (rss <= this.stopAt) return;
    const estimate = need?.();
    const hint = estimate && Number.isFinite(estimate) ? `; reading it needs about ${Math.ceil(estimate / MB)} MB, and checking more` : '';
    throw new UsageError(`the history does not fit in --memory-limit ${this.limitMb} MB: ${where()} the process holds ${Math.round(rss / MB)} MB${hint}`);
  }
}
