// What every history reader returns: the ops, where each came from (for error messages naming a
// line), and warnings such as an ignored truncated last line.
import type { Op } from './op.ts';

export type HistoryFormat = 'jsonl' | 'edn' | 'etcd-log';

export interface ParsedHistory {
  ops: Op[];
  /** 1-based source line of each op (same length as ops). */
  lines: number[];
  warnings: string[];
  format: HistoryFormat;
}
