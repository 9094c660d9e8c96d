// The data a report page draws, built once in Node and embedded as JSON. Everything here is bounded so
// a 100,000-op history still gives a small page: series are binned, per-op details are kept only for the
// counterexample, the ops that violations point at and a small sample; checker details are truncated.
import type { Op, PairedOp } from '../harness/history/op.ts';
import type { CheckResult, Counterexample, KnownIssueMatch, Validity } from '../harness/checker/result.ts';
import {
  describeValue, faultViews, historySpan, latencySeries, latencyStats, throughput,
  type FaultView, type LatencySeries, type LatencyStats, type ThroughputSeries,
} from './stats.ts';
import { pairOps } from '../harness/history/pair.ts';

/** One op as the page shows it (short keys keep 100k-op pages small). */
export interface OpView {
  i: number; c: number; p: string; f: string; key?: string; type: PairedOp['type'];
  start: number; end: number; iv: unknown; v: unknown; error?: string; node?: string; meta?: unknown;
}

export interface CounterexampleView {
  key?: string;
  ops: OpView[];
  longestPrefix: number[];
  failingOp: number;
  candidates: Counterexample['candidates'];
  faults: FaultView[];
  /** Ops of the checker's counterexample left out to keep the drawing readable (farthest from the failing op). */
  omitted: number;
}

export interface CheckView {
  checker: string;
  valid: Validity;
  summary: string;
  violations: { message: string; ops?: number[]; time?: number; detail?: unknown }[];
  violationsTotal: number;
  details: Record<string, unknown>;
  counterexample?: CounterexampleView;
}

export interface ReportPayload {
  kind: 'run' | 'check';
  title: string;
  verdict: Validity;
  reason: string;
  facts: { label: string; value: string }[];
  replay?: string;
  links: { label: string; href: string; bytes?: number }[];
  logs: { node: string; href: string; bytes: number; tail: string }[];
  spanMs: number;
  records: number;
  checks: CheckView[];
  faults: FaultView[];
  /** Other events (session connected/expired, ...), at most LIMITS.events of them. */
  events: { time: number; process: string; f: string; text: string }[];
  eventsTotal: number;
  latency: LatencyStats[];
  latencySeries: LatencySeries;
  throughput: ThroughputSeries;
  /** Details of every op the page can show, by invoke index. */
  ops: Record<number, OpView>;
  samples: { unsuccessful: number[]; slowest: number[]; unsuccessfulTotal: number };
  metrics: Record<string, number>;
  notes: string[];
  /** The planned fault schedule and, after `--shrink`, the smallest still-failing one. */
  schedule?: ScheduleView;
  /** Failing checks that match a known upstream issue of the system under test. */
  knownIssues?: KnownIssueMatch[];
}

export interface ScheduleView {
  original: { kind: string; at: number; duration: number }[];
  shrunk?: { kind: string; at: number; duration: number }[];
  shrink?: { replay?: string; attempts: { change: string; failed: boolean; ms: number; concurrency: number; timeLimit: number; faults: number }[]; original?: { concurrency?: number; timeLimit?: number }; shrunk?: { concurrency?: number; timeLimit?: number } };
}

export interface PayloadInput {
  kind: 'run' | 'check';
  title: string;
  verdict: Validity;
  reason: string;
  facts: { label: string; value: string }[];
  replay?: string;
  links: ReportPayload['links'];
  logs?: ReportPayload['logs'];
  history: readonly Op[];
  checks: CheckResult[];
  metrics?: Record<string, number>;
  notes?: string[];
  schedule?: ScheduleView;
  knownIssues?: KnownIssueMatch[];
}

export const LIMITS = {
  faults: 1000, violations: 100, violationOps: 20, arrayItems: 200, specialItems: 2000,
  stringChars: 2000, depth: 6, counterexampleOps: 300, events: 500, kinds: 40, unsuccessfulSample: 200, slowestPerKind: 10, valueChars: 4000,
};

/** Truncates arrays, long strings and deep nesting; a cut array ends with {"__more": n}. */
export function boundJson(value: unknown, maxItems = LIMITS.arrayItems, depth = LIMITS.depth): unknown {
  if (typeof value === 'string') return value.length > LIMITS.stringChars ? `${value.slice(0, LIMITS.stringChars)}… (${value.length} chars)` : value;
  if (value === null || typeof value !== 'object') return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
  if (depth <= 0) return describeValue(value, 200);
  if (Array.isArray(value)) {
    const kept = value.slice(0, maxItems).map((v) => boundJson(v, LIMITS.arrayItems, depth - 1));
    return value.length > maxItems ? [...kept, { __more: value.length - maxItems }] : kept;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, LIMITS.arrayItems)) out[k] = boundJson(v, LIMITS.arrayItems, depth - 1);
  return out;
}

/** A value shown in op details: kept as JSON when small, else a truncated one-line description. */
function boundValue(value: unknown): unknown {
  const text = JSON.stringify(value) ?? 'null';
  return text.length <= LIMITS.valueChars ? value : describeValue(value, LIMITS.valueChars);
}

export function opView(p: PairedOp, node?: string): OpView {
  const view: OpView = {
    i: p.invokeIndex, c: p.completeIndex, p: String(p.process), f: String(p.f), type: p.type,
    start: p.start, end: p.end, iv: boundValue(p.invokeValue), v: boundValue(p.value),
  };
  if (p.key !== undefined) view.key = String(p.key);
  if (p.error !== undefined) view.error = describeValue(p.error, LIMITS.stringChars);
  if (node !== undefined) view.node = String(node);
  if (p.meta) view.meta = boundJson(p.meta, 50, 3);
  return view;
}

/** Bounded sample of requests for the request plot: every non-2xx first, then evenly spaced 2xx. */
function sampleRequests(requests: unknown[]): unknown[] {
  if (requests.length <= LIMITS.specialItems) return requests.map((r) => boundJson(r, 20, 3));
  const isOk = (r: unknown) => { const s = Number((r as { status?: unknown })?.status); return s >= 200 && s < 400; };
  const bad = requests.filter((r) => !isOk(r)).slice(0, LIMITS.specialItems);
  const good = requests.filter(isOk);
  const room = LIMITS.specialItems - bad.length;
  const step = good.length / Math.max(1, room);
  const sampled = room > 0 ? Array.from({ length: Math.min(room, good.length) }, (_, k) => good[Math.floor(k * step)]) : [];
  return [...bad, ...sampled, { __more: requests.length - bad.length - sampled.length }].map((r) => boundJson(r, 20, 3));
}

/** Checker details, bounded; the fields with a dedicated drawing keep more items (see reports/README.md). */
function boundDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details ?? {})) {
    if (k === 'counterexample') continue;
    if (k === 'requests' && Array.isArray(v)) out[k] = sampleRequests(v);
    else if ((k === 'holders' || k === 'leaders') && Array.isArray(v)) out[k] = boundJson(v, LIMITS.specialItems);
    else out[k] = boundJson(v);
  }
  return out;
}

function isCounterexample(x: unknown): x is Counterexample {
  const c = x as Counterexample | undefined;
  return !!c && typeof c === 'object' && Array.isArray(c.ops);
}

function counterexampleView(cx: Counterexample, faults: FaultView[], nodeOf: Map<number, string>): CounterexampleView {
  const all = pairOps(cx.ops, { lenient: true });
  const near = (p: PairedOp) => Math.abs(p.invokeIndex - cx.failingOp);
  const pairs = all.length <= LIMITS.counterexampleOps ? all
    : [...all].sort((a, b) => near(a) - near(b)).slice(0, LIMITS.counterexampleOps).sort((a, b) => a.invokeIndex - b.invokeIndex);
  const from = Math.min(...pairs.map((p) => p.start));
  const to = Math.max(...pairs.map((p) => p.end));
  const view: CounterexampleView = {
    ops: pairs.map((p) => opView(p, nodeOf.get(p.invokeIndex))),
    longestPrefix: (cx.longestPrefix ?? []).slice(0, 500), failingOp: cx.failingOp,
    candidates: (cx.candidates ?? []).slice(0, 50).map((c) => ({ order: c.order.slice(0, 200), state: describeValue(c.state, 500), rejected: describeValue(c.rejected, 500) })),
    faults: faults.filter((w) => w.end >= from && w.start <= to), omitted: all.length - pairs.length,
  };
  if (cx.key !== undefined) view.key = String(cx.key);
  return view;
}

/** When a violation happened: its own time, else the start of the first op it names. */
function violationTime(v: { time?: number; ops?: number[] }, timeOf: (index: number) => number | undefined): number | undefined {
  if (typeof v.time === 'number') return v.time;
  for (const i of v.ops ?? []) { const t = timeOf(Number(i)); if (t !== undefined) return t; }
  return undefined;
}

function checkView(check: CheckResult, faults: FaultView[], nodeOf: Map<number, string>, timeOf: (index: number) => number | undefined): CheckView {
  const violations = (check.violations ?? []).slice(0, LIMITS.violations).map((v) => ({
    message: describeValue(v.message, LIMITS.stringChars),
    ...(v.ops ? { ops: v.ops.slice(0, LIMITS.violationOps).map(Number) } : {}),
    ...(violationTime(v, timeOf) !== undefined ? { time: violationTime(v, timeOf) } : {}),
    ...(v.detail ? { detail: boundJson(v.detail, 20, 3) } : {}),
  }));
  const view: CheckView = {
    checker: String(check.checker), valid: check.valid, summary: describeValue(check.summary ?? '', LIMITS.stringChars),
    violations, violationsTotal: check.violations?.length ?? 0, details: boundDetails(check.details),
  };
  const cx = check.details?.counterexample;
  if (isCounterexample(cx) && cx.ops.length) view.counterexample = counterexampleView(cx, faults, nodeOf);
  return view;
}

/** The op details the page keeps: ops named by violations, failed/info ops (sampled) and the slowest per kind. */
function selectOps(pairs: PairedOp[], checks: CheckView[], history: readonly Op[]) {
  const byIndex = new Map<number, PairedOp>();
  for (const p of pairs) { byIndex.set(p.invokeIndex, p); if (p.completeIndex >= 0) byIndex.set(p.completeIndex, p); }
  const keep = new Map<number, PairedOp>();
  for (const c of checks) for (const v of c.violations) for (const i of v.ops ?? []) { const p = byIndex.get(i); if (p) keep.set(p.invokeIndex, p); }
  const unsuccessful = pairs.filter((p) => p.type !== 'ok');
  const step = Math.max(1, unsuccessful.length / LIMITS.unsuccessfulSample);
  const unsuccessfulSample = Array.from({ length: Math.min(LIMITS.unsuccessfulSample, unsuccessful.length) }, (_, k) => unsuccessful[Math.floor(k * step)]);
  const slowest: PairedOp[] = [];
  const kinds = latencyStats(pairs).slice(0, LIMITS.kinds).map((l) => l.f);
  for (const f of kinds) slowest.push(...pairs.filter((p) => p.f === f && p.type === 'ok').sort((a, b) => (b.end - b.start) - (a.end - a.start)).slice(0, LIMITS.slowestPerKind));
  for (const p of [...unsuccessfulSample, ...slowest]) keep.set(p.invokeIndex, p);
  const ops: Record<number, OpView> = {};
  for (const [i, p] of keep) ops[i] = opView(p, history[i]?.index === i ? history[i].node : undefined);
  return {
    ops,
    samples: { unsuccessful: unsuccessfulSample.map((p) => p.invokeIndex), slowest: slowest.map((p) => p.invokeIndex), unsuccessfulTotal: unsuccessful.length },
  };
}

/** Bins for the time charts: about ten completions per bin, between 30 and 300 bins. */
const chartBins = (ops: number) => Math.min(300, Math.max(30, Math.round(ops / 10)));

/** A known issue as the page shows it: bounded text, and a link only to an http(s) address. */
const knownIssueView = (k: KnownIssueMatch): KnownIssueMatch => ({
  checker: String(k.checker).slice(0, 200), id: String(k.id).slice(0, 200), description: String(k.description).slice(0, LIMITS.stringChars),
  url: /^https?:\/\//.test(String(k.url)) ? String(k.url).slice(0, LIMITS.stringChars) : '',
});

export function buildPayload(input: PayloadInput): ReportPayload {
  const pairs = pairOps(input.history, { lenient: true });
  const spanMs = historySpan(input.history);
  const faults = faultViews(input.history);
  const nodeOf = new Map<number, string>();
  for (const op of input.history) if (op.node !== undefined && op.type === 'invoke') nodeOf.set(op.index, op.node);
  const startOf = new Map<number, number>();
  for (const p of pairs) { startOf.set(p.invokeIndex, p.start); if (p.completeIndex >= 0) startOf.set(p.completeIndex, p.start); }
  const checks = input.checks.map((c) => checkView(c, faults, nodeOf, (i) => startOf.get(i)));
  const { ops, samples } = selectOps(pairs, checks, input.history);
  const notes = [...(input.notes ?? [])];
  const events = input.history.filter((op) => op.type === 'event' && op.f !== 'fault-start' && op.f !== 'fault-end');
  const latency = latencyStats(pairs);
  if (latency.length > LIMITS.kinds) notes.push(`${latency.length} kinds of op; latency is listed for the ${LIMITS.kinds} most frequent.`);
  if (faults.length > LIMITS.faults) notes.push(`${faults.length} fault windows; the first ${LIMITS.faults} are listed.`);
  return {
    kind: input.kind, title: input.title, verdict: input.verdict, reason: input.reason, facts: input.facts,
    ...(input.replay ? { replay: input.replay } : {}),
    links: input.links, logs: input.logs ?? [], spanMs, records: input.history.length, checks,
    faults: faults.slice(0, LIMITS.faults), latency: latency.slice(0, LIMITS.kinds),
    events: events.slice(0, LIMITS.events).map((e) => ({ time: e.time, process: String(e.process), f: String(e.f), text: describeValue(e.value, 200) })),
    eventsTotal: events.length,
    latencySeries: latencySeries(pairs, spanMs, chartBins(pairs.length)), throughput: throughput(pairs, spanMs, chartBins(pairs.length)),
    ops, samples, metrics: input.metrics ?? {}, notes,
    ...(input.schedule ? { schedule: boundJson(input.schedule, LIMITS.faults) as ScheduleView } : {}),
    ...(input.knownIssues?.length ? { knownIssues: input.knownIssues.slice(0, LIMITS.kinds).map(knownIssueView) } : {}),
  };
}
