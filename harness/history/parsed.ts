// What every history reader returns: the ops, where each came from (for error messages naming a
// line), and warnings such as a skipped cut-off last line. Also the one rule every reader follows, so
// that check, report, compare and the importers all treat bad input alike.
import { UsageError } from '../errors.ts';
import type { Op } from './op.ts';

export type HistoryFormat = 'jsonl' | 'edn' | 'etcd-log';

export interface ParsedHistory {
  ops: Op[];
  /** 1-based source line of each op (same length as ops). */
  lines: number[];
  warnings: string[];
  format: HistoryFormat;
  /** Line of an op cut off at the very end of the file (a crash mid-write) that was skipped: what the
   *  history holds is then known only up to it, so a clean verdict cannot be claimed for the file. */
  cutOff?: number;
}

/** A reader of one format. It is fed the text piece by piece (a file is streamed, never held whole). */
export interface FormatReader {
  feed(chunk: string): void;
  /** The text has ended. */
  end(): void;
}

/**
 * Collects what a reader finds and holds the rule: a complete line that is not a valid op is an error
 * naming file:line; only an op cut off mid-way at the very end of the file (no newline after it, and
 * its text incomplete) may be skipped, with a warning.
 */
export class OpCollector {
  readonly ops: Op[] = [];
  readonly lines: number[] = [];
  readonly warnings: string[] = [];
  cutOff?: number;

  constructor(readonly file: string, readonly format: HistoryFormat) {}

  /** Position the next op takes (its default index and time). */
  get position(): number {
    return this.ops.length;
  }

  add(op: Op, line: number): void {
    this.ops.push(op);
    this.lines.push(line);
  }

  /** Skips the op cut off at the end of the file, starting at `line`. */
  cut(line: number, detail: string): void {
    this.cutOff = line;
    this.warnings.push(`${this.file}:${line}: ignoring the last op, cut off mid-way by the end of the file (${detail}); the verdict covers only the ops before it`);
  }

  fail(line: number, message: string): never {
    throw new UsageError(`${this.file}:${line}: ${message}`);
  }

  result(): ParsedHistory {
    const parsed: ParsedHistory = { ops: this.ops, lines: this.lines, warnings: this.warnings, format: this.format };
    if (this.cutOff !== undefined) parsed.cutOff = this.cutOff;
    return parsed;
  }
}

/** A reader of a line-based format: splits the streamed text into numbered lines. A line is handed to
 *  `line` once its newline has arrived; what follows the last newline comes last, with `terminated`
 *  false: only that line can be cut off. */
export abstract class LineReader implements FormatReader {
  private rest = '';
  private lineNo = 0;

  constructor(protected readonly out: OpCollector) {}

  feed(chunk: string): void {
    const text = this.rest === '' ? chunk : this.rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(text.slice(start, end), ++this.lineNo, true);
      start = nl + 1;
    }
    this.rest = text.slice(start);
  }

  end(): void {
    if (this.rest !== '') this.line(this.rest, ++this.lineNo, false);
    this.rest = '';
  }

  protected abstract line(text: string, line: number, terminated: boolean): void;
}
