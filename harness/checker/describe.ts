// Turns a linearizability verdict and its counterexample into short text for people: the verdict
// words of the CLI contract and a compact table of the failing sub-history.
import type { Counterexample, Validity } from './result.ts';
import { show } from './models/values.ts';

export function verdictWord(valid: Validity): 'linearizable' | 'not-linearizable' | 'unknown' {
  return valid === true ? 'linearizable' : valid === false ? 'not-linearizable' : 'unknown';
}

const MAX_ROWS = 40, MAX_CANDIDATES = 6;

/** One row per operation: process, what it did, when it was invoked and completed (history index). */
export function renderCounterexample(cx: Counterexample): string {
  const rows: string[][] = [['op', 'process', 'operation', 'invoked', 'completed', '']];
  const invokes = cx.ops.filter((op) => op.type === 'invoke');
  for (const inv of invokes.slice(0, MAX_ROWS)) {
    const done = cx.ops.find((op) => op.index > inv.index && op.process === inv.process && op.type !== 'invoke' && op.type !== 'event');
    const outcome = done?.type === 'ok' ? done.value : undefined;
    const text = `${inv.f} ${inv.value === null ? '' : show(inv.value)}${done?.type === 'ok' && outcome !== null && outcome !== undefined && show(outcome) !== show(inv.value) ? ` → ${show(outcome)}` : ''}${done && done.type !== 'ok' ? ` (${done.type})` : ''}`;
    rows.push([String(inv.index), String(inv.process), text.replace(/\s+/g, ' ').trim(), fmtTime(inv.time), done ? fmtTime(done.time) : '—', inv.index === cx.failingOp ? '← no valid place' : '']);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
  const title = `Smallest failing sub-history${cx.key !== undefined ? ` (key ${JSON.stringify(cx.key)})` : ''}: ${invokes.length} operations`;
  const more = invokes.length > MAX_ROWS ? [`… ${invokes.length - MAX_ROWS} more operations`] : [];
  const tried = cx.candidates.slice(0, MAX_CANDIDATES).map((c) => `  order [${c.order.join(' ')}] reaches ${c.state}; ${c.rejected}`);
  return [title, ...lines, ...more, ...(tried.length ? ['Every order gets stuck:', ...tried] : [])].join('\n');
}

const fmtTime = (t: number): string => (Number.isInteger(t) ? String(t) : t.toFixed(1));
