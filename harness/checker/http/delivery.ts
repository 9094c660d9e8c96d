// Holds the stack to "no request silently lost" (DESIGN.md): every request ends in a response or an
// explicit error within the client's timeout, and a POST's side effect happens at most once — exactly
// once when the client was told 200. The counts come from the app's append-only effects file, read
// through the stack after the heal (the workload's final `effects` op).
import type { Checker, CheckResult, Violation } from '../result.ts';
import type { Op } from '../../history/op.ts';
import { describe, effectsRead, httpRequests, outcome, requestTable, type HttpRequest } from './requests.ts';

function unanswered(r: HttpRequest): Violation | undefined {
  const at = { ops: [r.index], time: r.start };
  if (!r.completed) return { ...at, message: `${describe(r)} never completed: no response and no error by the end of the run (silently lost)` };
  if (r.type !== 'ok' && r.status === undefined && !r.error) return { ...at, message: `${describe(r)} ended as ${r.type} with neither a status nor an error text` };
  if (r.kind === 'body' && r.status === 200 && r.echo !== r.spec.bodyBytes) return { ...at, message: `${describe(r)} sent ${r.spec.bodyBytes} body bytes but the app read ${r.echo}: part of the body was lost` };
  return undefined;
}

function effectViolations(posts: HttpRequest[], counts: Record<string, number>): Violation[] {
  const out: Violation[] = [];
  for (const r of posts) {
    const n = counts[r.spec.rid] ?? 0;
    const ops = [r.index, r.completeIndex].filter((i) => i >= 0);
    if (n > 1) out.push({ message: `${describe(r)} was ${outcome(r)} but its side effect happened ${n} times: a POST's effect must happen at most once`, ops, time: r.start, detail: { rid: r.spec.rid, count: n } });
    else if (n === 0 && r.status === 200) out.push({ message: `${describe(r)} was answered 200 but its side effect never happened: the effect was lost`, ops, time: r.start, detail: { rid: r.spec.rid, count: 0 } });
  }
  const issued = new Set(posts.map((r) => r.spec.rid));
  for (const [rid, n] of Object.entries(counts)) if (!issued.has(rid)) out.push({ message: `side effect ${rid} happened ${n} time(s) but no client ever sent that request`, detail: { rid, count: n } });
  return out;
}

export function checkDelivery(history: readonly Op[]): CheckResult {
  const reqs = httpRequests(history);
  const violations = reqs.map(unanswered).filter((v): v is Violation => !!v);
  const posts = reqs.filter((r) => r.kind === 'effect');
  const read = effectsRead(history);
  const counts = read?.effects ?? {};
  if (read) violations.push(...effectViolations(posts, counts));
  const applied = posts.filter((r) => (counts[r.spec.rid] ?? 0) > 0).length;
  const effects = {
    requested: posts.length, answered200: posts.filter((r) => r.status === 200).length, applied,
    duplicated: posts.filter((r) => (counts[r.spec.rid] ?? 0) > 1).length,
    lost: posts.filter((r) => r.status === 200 && !(counts[r.spec.rid] ?? 0)).length,
    unknownOutcome: posts.filter((r) => r.status !== 200).length,
  };
  const byStatus: Record<string, number> = {};
  for (const r of reqs) byStatus[r.status ?? (r.clientTimeout ? 'client-timeout' : 'error')] = (byStatus[r.status ?? (r.clientTimeout ? 'client-timeout' : 'error')] ?? 0) + 1;
  const details = { requests: requestTable(reqs), byStatus, effects, effectsRead: !!read };
  if (violations.length) return { checker: 'delivery', valid: false, summary: violations[0].message + (violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''), violations, details };
  if (posts.length && !read) return { checker: 'delivery', valid: 'unknown', summary: `${posts.length} POSTs were sent but the side-effect counts could not be read after the run (no successful final effects read)`, details };
  return { checker: 'delivery', valid: true, summary: `all ${reqs.length} requests ended in a response or an explicit error; ${effects.answered200} POSTs answered 200 took effect exactly once, ${effects.unknownOutcome} unanswered ones at most once`, details };
}

export const deliveryChecker: Checker = { name: 'delivery', check: checkDelivery };
