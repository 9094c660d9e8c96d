// Public entry points for HTML reports: a run folder's report.html (written after every run by the
// command that ran it, through harness/commands/report.ts, and by `faultline report DIR`) and the
// report of a checked history file (`faultline check --report OUT.html`).
// The page itself is drawn by reports/assets/report.js.
import { writeFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Op } from '../harness/history/op.ts';
import type { CheckResult, RunResult, Validity } from '../harness/checker/result.ts';
import { loadRunFolder, type RunFolder } from './run-folder.ts';
import { buildPayload, type ReportPayload, type ScheduleView } from './payload.ts';
import { renderPage } from './page.ts';
import { fmtDuration, writeStats } from './run-stats.ts';

export { writeIndex } from './index-page.ts';

const VERDICT_TEXT: Record<string, string> = { true: 'valid', false: 'violation', unknown: 'unknown' };

function runFacts(r: RunResult | null, folder: RunFolder): { label: string; value: string }[] {
  if (!r) return [{ label: 'folder', value: path.basename(folder.dir) }, { label: 'records', value: String(folder.history.length) }];
  const facts = [
    ['scenario', r.scenario], ['target', r.target], ['runtime', r.runtime], ['seed', String(r.seed)],
    ['nodes', r.nodes !== undefined ? String(r.nodes) : undefined], ['started', r.startedAt.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC')],
    ['duration', fmtDuration(r.durationMs)], ['ops', String(r.ops)],
  ] as const;
  return facts.filter((f) => f[1] !== undefined).map(([label, value]) => ({ label, value: String(value) }));
}

/** The run's fault schedule, and the shrunk one when `--shrink` found a smaller failing run. */
function scheduleOf(r: RunResult): ScheduleView | undefined {
  const original = Array.isArray(r.schedule) ? (r.schedule as ScheduleView['original']) : [];
  const shrunk = Array.isArray(r.shrunkSchedule) ? (r.shrunkSchedule as ScheduleView['original']) : undefined;
  if (!original.length && !shrunk) return undefined;
  return { original, ...(shrunk ? { shrunk } : {}), ...(r.shrink ? { shrink: r.shrink as ScheduleView['shrink'] } : {}) };
}

/** The payload of a run folder's report (exported for tests and the index). */
export async function runPayload(runDir: string): Promise<ReportPayload> {
  const folder = await loadRunFolder(runDir);
  const r = folder.result;
  const notes: string[] = [];
  if (folder.skippedLines) notes.push(`${folder.skippedLines} line(s) of history.jsonl could not be read (a run cut short leaves a truncated last line) and were skipped.`);
  if (!r) notes.push('result.json is missing: the run did not finish, so there is no verdict; the history is shown as recorded.');
  const links: ReportPayload['links'] = [];
  const historyBytes = await stat(path.join(runDir, 'history.jsonl')).then((s) => s.size, () => undefined);
  if (historyBytes !== undefined) links.push({ label: 'history.jsonl (one op per line)', href: 'history.jsonl', bytes: historyBytes });
  if (r) links.push({ label: 'result.json (verdicts and checker details)', href: 'result.json' });
  const verdict: Validity = r ? r.valid : 'unknown';
  return buildPayload({
    kind: 'run', title: r ? `${r.scenario} on ${r.target}` : `run ${path.basename(runDir)}`,
    verdict, reason: r?.summary || (r ? `verdict: ${VERDICT_TEXT[String(verdict)]}` : 'No result.json: the run did not finish.'),
    facts: runFacts(r, folder), ...(r?.replay ? { replay: r.replay } : {}), links,
    logs: folder.logs, history: folder.history, checks: r?.checks ?? [], metrics: r?.metrics ?? {}, notes,
    ...(r ? { schedule: scheduleOf(r) } : {}),
    ...(r?.knownIssues ? { knownIssues: r.knownIssues } : {}),
  });
}

export async function renderRunReport(runDir: string): Promise<string> {
  const payload = await runPayload(runDir);
  return renderPage({ title: `${verdictWord(payload.verdict)} — ${payload.title}`, app: 'report', data: payload, charts: true });
}

/** Writes runDir/report.html (and the small stats file the run index reads); returns the report's path. */
export async function writeRunReport(runDir: string): Promise<string> {
  const payload = await runPayload(runDir);
  const out = path.join(runDir, 'report.html');
  await writeFile(out, renderPage({ title: `${verdictWord(payload.verdict)} — ${payload.title}`, app: 'report', data: payload, charts: true }));
  await writeStats(runDir, payload);
  return out;
}

const verdictWord = (v: Validity) => (v === true ? 'VALID' : v === false ? 'VIOLATION' : 'UNKNOWN');

/** The `--json` body of `faultline check` ({result: 'linearizable' | ..., model, ops, counterexample?}). */
interface CheckJson { result: string; model?: string; summary?: string; counterexample?: unknown; [k: string]: unknown }

export interface CheckReportOptions {
  /** The history file that was checked (linked relatively from the report). */
  file: string;
  model: string;
  history: readonly Op[];
  /** One or more check results, or the `faultline check --json` object. */
  result: CheckResult | CheckResult[] | CheckJson;
  outPath: string;
}

function asCheckResults(result: CheckReportOptions['result'], model: string): CheckResult[] {
  if (Array.isArray(result)) return result;
  if ('checker' in result && 'valid' in result) return [result as CheckResult];
  const json = result as CheckJson;
  const valid: Validity = json.result === 'linearizable' ? true : json.result === 'not-linearizable' ? false : 'unknown';
  const { result: word, summary, ...details } = json;
  return [{ checker: 'linearizable', valid, summary: summary ?? `${word} (model ${model})`, details: { model, ...details } }];
}

/** Writes the report of a checked history file to `outPath`. */
export async function writeCheckReport(opts: CheckReportOptions): Promise<string> {
  const checks = asCheckResults(opts.result, opts.model);
  const verdict = checks.some((c) => c.valid === false) ? false : checks.some((c) => c.valid === 'unknown') ? 'unknown' : true;
  const failing = checks.find((c) => c.valid !== true);
  const rel = path.relative(path.dirname(path.resolve(opts.outPath)), path.resolve(opts.file)).split(path.sep).join('/');
  const payload = buildPayload({
    kind: 'check', title: `${path.basename(opts.file)} checked as ${opts.model}`, verdict,
    reason: (failing ?? checks[0])?.summary ?? 'no checks ran',
    facts: [{ label: 'file', value: opts.file }, { label: 'model', value: opts.model }, { label: 'records', value: String(opts.history.length) }],
    replay: `npx faultline check --model ${opts.model} ${opts.file}`,
    links: [{ label: `${path.basename(opts.file)} (the checked history)`, href: rel }],
    history: opts.history, checks,
  });
  await writeFile(opts.outPath, renderPage({ title: `${verdictWord(verdict)} — ${payload.title}`, app: 'report', data: payload, charts: true }));
  return opts.outPath;
}
