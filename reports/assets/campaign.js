// Draws campaign.html from the embedded campaign.json (reports/campaign-page.ts): the outcome and its
// reason, the scenario × target table, must-fail catch rates, violations grouped by checker and kind
// (known upstream issues marked as such) with their replay commands, and every run with a link to
// its report.
'use strict';

const D = loadData();
const C = D.campaign;
const app = document.getElementById('app');
const byKey = new Map(C.runs.map((r) => [`${r.scenario}\u0000${r.target}\u0000${r.seed}`, r]));
const runOf = (scenario, target, seed) => byKey.get(`${scenario}\u0000${target}\u0000${seed}`);

const VERDICT_OF_EXIT = { 0: true, 1: false };
/** The headline: what the exit code stands for in this campaign. */
function headline(s) {
  if (!s) return 'running';
  if (s.interrupted) return 'interrupted';
  if (s.exitCode === 1) return s.violations ? 'violation found' : s.missed ? 'a must-fail run missed its bug' : 'known upstream issues hit (--strict)';
  if (s.exitCode === 2) return 'some runs gave no verdict';
  return s.known ? 'as expected, but for known upstream issues' : 'everything as expected';
}

/** `leader-election.failoverMsMedian` → `failover p50` (as the terminal table says it). */
function figureLabel(metric) {
  return metric.split('.').pop().replace(/Ms(Median|Max|Min)?$/, (_, q) => (q === 'Median' ? ' p50' : q ? ` ${q.toLowerCase()}` : ''))
    .replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
const runVerdict = (r) => (r.verdict === 'valid' ? true : r.verdict === 'invalid' ? false : 'unknown');
const expectText = { valid: 'must hold', violation: 'must fail', any: 'bug on (catch reported)' };

function seedLink(r, text) {
  if (!r) return h('span', {}, text);
  return r.report ? h('a', { href: r.report, title: r.verdictLine || '' }, text) : h('span', { class: 'muted', title: r.verdictLine || 'no report' }, text);
}

function header() {
  const s = C.status;
  const o = C.options;
  const facts = [
    ['runs', `${C.runs.length} (${C.runs.filter((r) => r.verdict).length} with a verdict)`],
    ['wall time', C.wallMs === null ? 'running' : fmtMs(C.wallMs)],
    ['parallel', `${o.parallel} — ${o.parallelWhy}`],
    ['seeds', o.seeds.join(', ')],
    ['targets', o.targets ? o.targets.join(', ') : "each scenario's own"],
    ['runtime', o.runtime || 'default'],
    ['budget', o.budgetMin ? `${o.budgetMin} min` : 'none'],
    ['shrinking', o.shrink.enabled ? `≤ ${o.shrink.budgetS} s per failure${o.shrink.broken ? ', must-fail runs too' : ''}` : 'off'],
  ];
  return h('section', { class: `card verdict ${verdictOf(s ? VERDICT_OF_EXIT[s.exitCode] ?? 'unknown' : 'unknown').cls}` },
    h('div', { class: 'headline' }, verdictBadge(s ? VERDICT_OF_EXIT[s.exitCode] ?? 'unknown' : 'unknown', s ? `exit ${s.exitCode}` : 'running'), h('span', {}, headline(s))),
    h('div', { class: 'reason' }, s ? s.reason : 'still running'),
    h('div', { class: 'facts' }, facts.map(([k, v]) => h('span', {}, `${k} `, h('b', {}, v)))),
    h('div', { class: 'replay' }, h('code', {}, C.command)),
    h('p', { class: 'small' }, h('a', { href: 'index.html' }, 'run index of this campaign'), ' · ', h('a', { href: 'campaign.json' }, 'campaign.json')));
}

function figuresText(figures) {
  const keys = Object.keys(figures);
  const shown = keys.some((k) => /median/i.test(k)) ? keys.filter((k) => /median/i.test(k)) : keys;
  return shown.slice(0, 3).map((k) => `${figureLabel(k)} ${fmtMs(figures[k])}`).join(', ') || '–';
}

function comboTable() {
  const rows = C.table.map((r) => ({ cells: [
    r.scenario, r.target, expectText[r.expect], fmtNum(r.runs), fmtNum(r.valid), fmtNum(r.invalid), fmtNum(r.unknown), fmtNum(r.errors),
    r.failures.length || r.known ? [
      r.failures.map((f, i) => [i ? ', ' : '', seedLink(runOf(r.scenario, r.target, f.seed), `${f.seed} ${f.verdict}`)]),
      r.known ? [r.failures.length ? '; ' : '', `known ${r.known.issues.join(', ')} on `, r.known.seeds.map((s, i) => [i ? ', ' : '', seedLink(runOf(r.scenario, r.target, s), String(s))])] : null,
    ] : '–',
    r.medianOpsPerSec === null ? '–' : fmtNum(r.medianOpsPerSec), figuresText(r.figures),
  ] }));
  return section('table', 'Scenario × target', h('div', { class: 'tablewrap', style: 'max-height:none' }, table(
    ['scenario', 'target', 'expected', 'runs', 'valid', 'invalid', 'unknown', 'error', 'seeds not as expected', 'median ops/s', 'failover / recovery (median)'], rows,
    { numeric: [false, false, false, true, true, true, true, true, false, true, false] })));
}

function catches() {
  const rows = C.table.filter((r) => r.caught);
  if (!rows.length) return null;
  return section('catches', 'Must-fail runs: how often the bug was caught', table(['scenario', 'target', 'caught', 'missed on seeds'],
    rows.map((r) => [r.scenario, r.target, h('span', { class: `badge ${r.caught.caught === r.caught.of && r.caught.of > 0 ? 'valid' : 'invalid'}` }, `${r.caught.caught} of ${r.caught.of}`),
      r.caught.missedSeeds.length ? r.caught.missedSeeds.map((s, i) => [i ? ', ' : '', seedLink(runOf(r.scenario, r.target, s), String(s))]) : '–'])));
}

/** Every seed's replay command, and the shrunk run's when it was shrunk. */
function replays(g) {
  return g.seeds.map((seed) => runOf(g.scenario, g.target, seed)).filter(Boolean)
    .flatMap((r) => [`# seed ${r.seed}`, r.replay || '?', ...(r.shrink ? [`# seed ${r.seed} shrunk: ${r.shrink.change}`, r.shrink.replay] : [])]).join('\n');
}

function groups() {
  if (!C.groups.length) return section('groups', 'Violations', h('p', { class: 'muted' }, 'No run found a violation.'));
  return section('groups', `Violations, grouped by checker and kind (${C.groups.length})`,
    C.groups.map((g) => h('div', { class: 'card' },
      h('div', { class: 'checkhead' }, g.expected ? verdictBadge(true, 'caught, as it must be') : g.knownIssue ? verdictBadge('unknown', 'known upstream issue') : verdictBadge(false, 'violation'), h('b', {}, `${g.scenario} on ${g.target}`),
        h('span', {}, `${g.checker} · seed${g.seeds.length > 1 ? 's' : ''} `, g.seeds.map((s, i) => [i ? ', ' : '', seedLink(runOf(g.scenario, g.target, s), String(s))]))),
      g.knownIssue ? h('p', {}, 'Violation matching known upstream issue ', /^https?:\/\//.test(g.knownIssue.url) ? h('a', { href: g.knownIssue.url, rel: 'noopener noreferrer' }, g.knownIssue.id) : h('b', {}, g.knownIssue.id),
        `: ${g.knownIssue.description.replace(/\.?$/, '.')} Counted apart, not as a failure${C.options.strict ? ' (but --strict counts it)' : ''}.`) : null,
      h('p', {}, h('span', { class: 'muted' }, 'kind: '), g.kind),
      h('p', { class: 'small' }, h('span', { class: 'muted' }, 'e.g. '), g.example),
      h('pre', {}, replays(g)))));
}

function runsTable() {
  return section('runs', `Runs (${C.runs.length})`, h('div', { class: 'tablewrap' }, table(
    ['#', 'scenario', 'target', 'seed', 'expected', 'verdict', 'wall', 'report', 'why'],
    C.runs.map((r) => [String(r.id), r.scenario, r.target, String(r.seed), expectText[r.expect],
      r.verdict ? verdictBadge(runVerdict(r), r.verdict === 'error' ? 'Error' : r.outcome === 'known' ? 'Known issue' : undefined) : h('span', { class: 'muted' }, r.state),
      r.wallMs === undefined ? '–' : fmtMs(r.wallMs), seedLink(r, r.report ? 'report' : '–'),
      h('span', { class: 'small', title: r.verdictLine || '' }, r.verdictLine ? (r.verdictLine.length > 110 ? `${r.verdictLine.slice(0, 109)}…` : r.verdictLine) : '')]),
    { numeric: [true, false, false, true, false, false, true, false, false] })));
}

app.append(h('h1', {}, `faultline campaign — ${C.startedAt.slice(0, 19).replace('T', ' ')}`), header(), ...[comboTable(), catches(), groups(), runsTable()].filter(Boolean));
document.body.dataset.rendered = 'true';
