// Draws store/index.html from the embedded run list (reports/index-page.ts): all runs newest first, then
// per scenario a side-by-side comparison of its runs on different targets or seeds.
'use strict';

const D = loadData();
const app = document.getElementById('app');

function runLink(run, text) {
  return run.report ? h('a', { href: (D.linkPrefix || '') + run.report }, text) : h('span', { class: 'muted', title: 'no report.html yet' }, text);
}

function runsTable() {
  const counts = { true: 0, false: 0, unknown: 0 };
  for (const r of D.runs) counts[String(r.valid)] = (counts[String(r.valid)] || 0) + 1;
  return section('runs', `Runs (${D.runs.length})`,
    h('p', { class: 'muted small' }, `${counts.false} with a violation, ${counts.unknown} unknown, ${counts.true} valid. Generated ${D.generatedAt}.`),
    D.runs.length ? h('div', { class: 'tablewrap', style: 'max-height:none' }, table(
      ['started', 'scenario', 'target', 'runtime', 'seed', 'verdict', 'duration', 'ops', 'report', 'why'],
      D.runs.map((r) => ({ attrs: { class: 'run-row' }, cells: [r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), r.scenario, r.target, r.runtime, r.seed === null ? '–' : String(r.seed), verdictBadge(r.valid), r.durationMs === null ? '–' : fmtMs(r.durationMs), r.ops === null ? '–' : fmtNum(r.ops), runLink(r, 'report'), h('span', { class: 'small', title: r.summary }, r.summary.length > 110 ? `${r.summary.slice(0, 109)}…` : r.summary)] })),
      { numeric: [false, false, false, false, true, false, true, true, false, false] })) : h('p', { class: 'muted' }, 'No runs stored yet. Run `npm run scenario -- <name>`.'));
}

/** Latest run of each (target, seed) of one scenario, when there is more than one such combination. */
function comparableGroups() {
  const byScenario = new Map();
  for (const r of D.runs) {
    const g = byScenario.get(r.scenario) || new Map();
    const key = `${r.target}\u0000${r.seed}`;
    if (!g.has(key)) g.set(key, r); // runs are newest first: keep the latest
    byScenario.set(r.scenario, g);
  }
  return [...byScenario.entries()].filter(([, g]) => g.size > 1).map(([scenario, g]) => ({ scenario, runs: [...g.values()].slice(0, 8) }));
}

function comparisonRows(runs) {
  const rows = [];
  const add = (label, values, fmt) => rows.push({ label, values, fmt: fmt || ((v) => (v === undefined || v === null ? '–' : String(v))) });
  add('verdict', runs.map((r) => r.valid), (v) => verdictBadge(v));
  const checkers = [...new Set(runs.flatMap((r) => r.checks.map((c) => c.checker)))];
  for (const c of checkers) add(`check: ${c}`, runs.map((r) => { const x = r.checks.find((k) => k.checker === c); return x ? x.valid : undefined; }), (v) => (v === undefined ? '–' : verdictBadge(v)));
  add('ops', runs.map((r) => r.ops), (v) => (v === null ? '–' : fmtNum(v)));
  add('duration', runs.map((r) => r.durationMs), (v) => fmtMs(v));
  add('throughput (ok ops/s)', runs.map((r) => (r.stats ? r.stats.okPerSec : null)), (v) => (v === null ? '–' : fmtNum(v)));
  add('faults injected', runs.map((r) => (r.stats ? r.stats.faults : null)));
  const kinds = [...new Set(runs.flatMap((r) => (r.stats ? r.stats.latency.map((l) => l.f) : [])))].slice(0, 6);
  for (const f of kinds) for (const q of ['p50', 'p99', 'max']) {
    add(`${f} latency ${q}`, runs.map((r) => { const l = r.stats && r.stats.latency.find((x) => x.f === f); return l ? l[q] : null; }), (v) => (v === null ? '–' : fmtMs(v)));
  }
  const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))];
  for (const m of metrics) add(`metric: ${m}`, runs.map((r) => r.metrics[m]), (v) => (typeof v === 'number' ? fmtNum(v) : '–'));
  return rows;
}

function comparison(group) {
  const rows = comparisonRows(group.runs);
  const head = ['', ...group.runs.map((r) => h('span', {}, runLink(r, `${r.target} · seed ${r.seed === null ? '?' : r.seed}`), h('div', { class: 'muted small' }, r.startedAt.slice(0, 19).replace('T', ' '))))];
  return h('div', { class: 'cmp-group' }, h('h3', {}, group.scenario),
    h('div', { class: 'tablewrap', style: 'max-height:none' }, h('table', { class: 'grid cmp' },
      h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))),
      h('tbody', {}, rows.map((row) => {
        const differs = new Set(row.values.map((v) => JSON.stringify(v === undefined ? null : v))).size > 1;
        return h('tr', {}, h('th', {}, row.label), row.values.map((v) => h('td', { class: differs && /verdict|check:/.test(row.label) ? 'diff' : null }, row.fmt(v))));
      })))));
}

function comparisons() {
  const groups = comparableGroups();
  return section('compare', 'Side by side',
    groups.length ? [h('p', { class: 'muted small' }, 'Latest run of each target and seed per scenario. Highlighted: verdicts that differ between runs.'), ...groups.map(comparison)]
      : h('p', { class: 'muted' }, 'Nothing to compare yet: no scenario has runs on more than one target or seed.'));
}

/** Links to the pages `faultline compare` wrote (main index only). */
function comparePages() {
  if (!D.compares || D.compares.length === 0) return null;
  return section('compare-pages', `Comparisons (${D.compares.length})`,
    h('ul', {}, D.compares.map((c) => h('li', {}, h('a', { href: c.page }, `${c.scenario}: ${c.targets.join(' vs ')}`),
      h('span', { class: 'muted small' }, ` — seeds ${c.seeds.join(', ')}, ${c.startedAt.slice(0, 19).replace('T', ' ')}`)))));
}

/** Links to the pages `faultline campaign` wrote (main index only). */
function campaignPages() {
  if (!D.campaigns || D.campaigns.length === 0) return null;
  const verdict = (code) => (code === 0 ? true : code === 1 ? false : 'unknown');
  return section('campaign-pages', `Campaigns (${D.campaigns.length})`,
    h('ul', {}, D.campaigns.map((c) => h('li', {}, verdictBadge(verdict(c.exitCode)), ' ', h('a', { href: c.page }, `${c.startedAt.slice(0, 19).replace('T', ' ')}: ${c.runs} runs of ${c.scenarios} scenarios`),
      h('span', { class: 'muted small' }, ` — ${c.exitCode === null ? '' : `exit ${c.exitCode}: `}${c.reason}`)))));
}

app.append(h('h1', {}, D.heading || 'faultline runs'), ...[campaignPages(), comparePages(), runsTable(), comparisons()].filter(Boolean));
document.body.dataset.rendered = 'true';
