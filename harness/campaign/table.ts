// The campaign summary as plain text for the terminal and CI logs: one row per scenario × target, then
// the violations grouped by checker and kind with the (shrunk) replay command of every failing seed,
// the known upstream issues hit (counted apart), then the must-fail catch rates and the exit code
// with its reason.
import type { Campaign, CampaignRun, ComboRow, ViolationGroup } from './types.ts';

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

/** `leader-election.failoverMsMedian` → `failover p50`; `recovery.firstOkWriteMsMax` → `first ok write max`. */
export function figureLabel(metric: string): string {
  const last = metric.split('.').at(-1) ?? metric;
  return last
    .replace(/Ms(Median|Max|Min)?$/, (_, q: string | undefined) => (q === 'Median' ? ' p50' : q ? ` ${q.toLowerCase()}` : ''))
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

const expectTag = (r: ComboRow) => (r.expect === 'violation' ? ' [must fail]' : r.expect === 'any' ? ' [bug on]' : '');

function seedsCell(r: ComboRow): string {
  const known = r.known ? `known ${r.known.issues.join(', ')} on ${r.known.seeds.join(' ')}` : '';
  if (known) return [r.failures.map((f) => `${f.seed} ${f.verdict}`).join(', '), known].filter(Boolean).join('; ');
  if (r.caught) {
    const missed = r.caught.missedSeeds.length ? `, missed on ${r.caught.missedSeeds.join(' ')}` : '';
    const other = r.failures.filter((f) => f.verdict !== 'valid');
    return `caught ${r.caught.caught}/${r.caught.of}${missed}${other.length ? `; ${other.map((f) => `${f.seed} ${f.verdict}`).join(' ')}` : ''}`;
  }
  return r.failures.length ? r.failures.map((f) => `${f.seed} ${f.verdict}`).join(', ') : '–';
}

function figuresCell(r: ComboRow): string {
  const entries = Object.entries(r.figures).filter(([k]) => /median/i.test(k) || !Object.keys(r.figures).some((o) => /median/i.test(o)));
  return entries.slice(0, 3).map(([k, v]) => `${figureLabel(k)} ${fmtMs(v)}`).join(', ') || '–';
}

export function comboTable(rows: ComboRow[]): string {
  const head = ['scenario on target', 'runs', 'valid', 'invalid', 'unknown', 'error', 'seeds not as expected', 'ops/s', 'failover / recovery (median)'];
  const cells = rows.map((r) => [
    `${r.scenario} on ${r.target}${expectTag(r)}`, String(r.runs - r.notRun) + (r.notRun ? `+${r.notRun}` : ''), String(r.valid), String(r.invalid), String(r.unknown), String(r.errors),
    seedsCell(r), r.medianOpsPerSec === null ? '–' : String(Math.round(r.medianOpsPerSec)), figuresCell(r),
  ]);
  const numeric = [false, true, true, true, true, true, false, true, false];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (numeric[i] ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function groupLines(g: ViolationGroup, runs: CampaignRun[]): string[] {
  const mine = runs.filter((r) => r.scenario === g.scenario && r.target === g.target && g.seeds.includes(r.seed));
  return [
    `${g.expected ? '  ✔' : '  ✘'} ${g.scenario} on ${g.target} · ${g.checker} · seed${g.seeds.length > 1 ? 's' : ''} ${g.seeds.join(', ')}`,
    `      kind: ${g.kind}`,
    `      e.g.: ${g.example.length > 300 ? `${g.example.slice(0, 299)}…` : g.example}`,
    ...mine.flatMap((r) => [
      `      seed ${r.seed} replay: ${r.replay ?? '?'}`,
      ...(r.shrink ? [`      seed ${r.seed} shrunk (${r.shrink.change}): ${r.shrink.replay}`] : []),
    ]),
  ];
}

/** The whole summary printed at the end of a campaign. */
export function campaignSummary(c: Campaign, files: { json: string; html: string | null; junit: string | null }): string {
  const ordinary = c.groups.filter((g) => !g.expected && !g.knownIssue);
  const known = c.groups.filter((g) => !g.expected && g.knownIssue);
  const expected = c.groups.filter((g) => g.expected);
  const parts = [comboTable(c.table)];
  if (ordinary.length) parts.push(`violations in ordinary runs, grouped by checker and kind (${ordinary.length}):\n${ordinary.flatMap((g) => groupLines(g, c.runs)).join('\n')}`);
  if (known.length) parts.push(`known upstream issues hit (counted apart${c.options.strict ? '; --strict: as failures' : ', not as failures'}):\n${known.map((g) => `  ≈ ${g.scenario} on ${g.target} · ${g.checker} · seed${g.seeds.length > 1 ? 's' : ''} ${g.seeds.join(', ')}: violation matching known upstream issue ${g.knownIssue!.id} (${g.knownIssue!.url})`).join('\n')}`);
  if (expected.length) parts.push(`what the must-fail runs were caught by:\n${expected.map((g) => `  ✔ ${g.scenario} on ${g.target} · ${g.checker} · seed${g.seeds.length > 1 ? 's' : ''} ${g.seeds.join(', ')}: ${g.kind}`).join('\n')}`);
  const errors = c.runs.filter((r) => r.verdict === 'error' || r.verdict === 'unknown');
  if (errors.length) parts.push(`no verdict (${errors.length}):\n${errors.map((r) => `  ? ${r.scenario} on ${r.target} seed ${r.seed}: ${r.verdictLine} (${r.dir})`).join('\n')}`);
  const wall = c.wallMs === null ? '' : ` in ${fmtMs(c.wallMs)}`;
  parts.push([
    `exit ${c.status?.exitCode}: ${c.status?.reason}${wall}`,
    `campaign.json: ${files.json}`, files.html && `HTML: ${files.html}`, files.junit && `JUnit: ${files.junit}`,
  ].filter(Boolean).join('\n'));
  return parts.join('\n\n');
}
