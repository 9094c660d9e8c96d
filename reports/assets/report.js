// Draws a faultline run report from the embedded JSON (see reports/payload.ts for its shape): verdict
// first, then the counterexample timeline, per-checker sections, latency/throughput and the raw files.
// Plain browser JavaScript, no build step; it only ever inserts data as text (see common.js).
'use strict';

const D = loadData();
const app = document.getElementById('app');
const opByIndex = new Map();
for (const op of Object.values(D.ops)) { opByIndex.set(op.i, op); if (op.c >= 0) opByIndex.set(op.c, op); }
for (const c of D.checks) for (const op of (c.counterexample ? c.counterexample.ops : [])) {
  if (!opByIndex.has(op.i)) opByIndex.set(op.i, op);
  if (op.c >= 0 && !opByIndex.has(op.c)) opByIndex.set(op.c, op);
}

const OUTCOME = {
  ok: { word: 'ok', mark: '', fill: '#cfe9d8', stroke: '#2f7d4f', pattern: null },
  fail: { word: 'fail', mark: '✗ ', fill: 'url(#pat-fail)', stroke: '#b3261e', pattern: 'fail' },
  info: { word: 'info (unknown outcome)', mark: '? ', fill: 'url(#pat-info)', stroke: '#a86400', pattern: 'info' },
};
const FAULT_COLOURS = ['#6b5b95', '#1f77b4', '#8c564b', '#e377c2', '#7f7f7f', '#17becf', '#bcbd22'];
const faultKinds = [...new Set(D.faults.map((w) => w.fault))];
const faultColour = (kind) => FAULT_COLOURS[Math.max(0, faultKinds.indexOf(kind)) % FAULT_COLOURS.length];
const faultLabel = (w) => `${w.fault}${w.targets && w.targets.length ? ' ' + w.targets.join(',') : ''}`;

/* ---------- op details ---------- */

function opTitle(op) {
  const key = op.key !== undefined ? ` [${op.key}]` : '';
  const result = op.type === 'ok' && op.v !== null && op.v !== undefined && JSON.stringify(op.v) !== JSON.stringify(op.iv) ? ` → ${fmtVal(op.v, 40)}` : '';
  const arg = op.iv === null || op.iv === undefined ? '' : ` ${fmtVal(op.iv, 40)}`;
  return `p${op.p} ${op.f}${key}${arg}${result}`;
}

function opLink(index, label) {
  return h('button', { class: 'oplink', type: 'button', onclick: () => showOp(index) }, label || `op ${index}`);
}

function opChip(index) {
  const op = opByIndex.get(index);
  return h('span', { class: `chip ${op ? op.type : ''}`, title: 'show details', onclick: () => showOp(index) }, op ? opTitle(op) : `op ${index}`);
}

const inspector = h('aside', { id: 'inspector', hidden: true, 'aria-live': 'polite' });

function showOp(index) {
  const op = opByIndex.get(index);
  inspector.replaceChildren();
  inspector.hidden = false;
  const close = h('button', { class: 'small', type: 'button', onclick: () => { inspector.hidden = true; } }, 'close ✕');
  if (!op) {
    inspector.append(h('h3', {}, `op ${index}`, close), h('p', {}, `Details of op ${index} are not embedded in this report (it keeps only the ops it draws). See line ${index + 1} of `, h('a', { href: 'history.jsonl' }, 'history.jsonl'), '.'));
    return;
  }
  const rows = [
    ['process', op.p], ['operation', op.f], ['key', op.key], ['outcome', `${OUTCOME[op.type].mark}${OUTCOME[op.type].word}`],
    ['invoked with', fmtVal(op.iv, 400)], ['returned', op.type === 'ok' ? fmtVal(op.v, 400) : '–'],
    ['error', op.error], ['node', op.node], ['invoked at', fmtAt(op.start)],
    ['completed at', op.c >= 0 ? fmtAt(op.end) : 'never (history ended)'], ['latency', fmtMs(op.end - op.start)],
    ['history index', op.c >= 0 ? `${op.i} (invoke), ${op.c} (completion)` : `${op.i} (invoke)`],
  ].filter((r) => r[1] !== undefined && r[1] !== null);
  inspector.append(
    h('h3', { id: 'inspector-title' }, opTitle(op), close),
    h('table', { class: 'kv' }, rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', { class: 'mono' }, String(v))))),
  );
  if (op.meta) inspector.append(h('div', {}, h('div', { class: 'muted small' }, 'meta'), h('pre', {}, JSON.stringify(op.meta, null, 2))));
  for (const el of document.querySelectorAll('.bar.sel')) el.classList.remove('sel');
  for (const el of document.querySelectorAll(`.bar[data-op="${op.i}"]`)) el.classList.add('sel');
}

/* ---------- header ---------- */

function header() {
  const v = verdictOf(D.verdict);
  const failing = D.checks.filter((c) => c.valid !== true);
  const onlyRepeats = failing.length === 1 && failing[0].summary === D.reason;
  const headline = { valid: 'Valid: every check passed', invalid: 'Violation found', unknown: 'Unknown: no verdict could be reached' }[v.cls];
  return h('section', { class: `card verdict ${v.cls}`, id: 'verdict' },
    h('div', { class: 'headline' }, verdictBadge(D.verdict), h('span', { id: 'verdict-text' }, headline), h('span', { class: 'muted small' }, D.title)),
    h('p', { class: 'reason', id: 'reason' }, D.reason),
    failing.length && !onlyRepeats ? h('ul', { class: 'failing' }, failing.map((c) => h('li', {}, verdictBadge(c.valid), ' ', h('a', { href: `#check-${slug(c.checker)}` }, h('b', {}, c.checker)), ': ', c.summary))) : null,
    h('div', { class: 'facts' }, D.facts.map((f) => h('span', {}, `${f.label} `, h('b', {}, f.value)))),
    knownIssues(),
    D.replay ? h('div', { class: 'replay' }, h('span', { class: 'muted small' }, 'Replay: '), h('code', {}, D.replay)) : null,
    D.notes.length ? h('ul', { class: 'muted small' }, D.notes.map((n) => h('li', {}, n))) : null,
    h('nav', { class: 'toc' },
      D.checks.filter((c) => c.counterexample).length ? h('a', { href: '#counterexample-0' }, 'Counterexample') : null,
      D.faults.length || D.checks.some((c) => c.counterexample || c.violations.some((v) => typeof v.time === 'number')) ? h('a', { href: '#overview' }, 'Run at a glance') : null,
      h('a', { href: '#checks' }, 'Checks'), h('a', { href: '#performance' }, 'Latency & throughput'),
      D.faults.length ? h('a', { href: '#faults' }, 'Faults') : null, h('a', { href: '#ops' }, 'Notable ops'), h('a', { href: '#files' }, 'Raw files & logs')),
  );
}

const slug = (x) => String(x).toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** A note per failing check that matches a known upstream issue of the system under test. */
function knownIssues() {
  if (!D.knownIssues || !D.knownIssues.length) return null;
  return h('ul', { class: 'known-issues', id: 'known-issues' }, D.knownIssues.map((k) => h('li', {},
    'The ', h('b', {}, k.checker), ' violation matches known upstream issue ',
    k.url ? h('a', { href: k.url, rel: 'noopener noreferrer' }, k.id) : h('b', {}, k.id), ': ', k.description,
    ' — a documented bug of the system under test, not a false positive of the checker.')));
}

/* ---------- SVG patterns and legends ---------- */

function svgDefs() {
  return s('defs', {},
    s('pattern', { id: 'pat-fail', width: 7, height: 7, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      s('rect', { width: 7, height: 7, fill: '#fae3e0' }), s('line', { x1: 0, y1: 0, x2: 0, y2: 7, stroke: '#b3261e', 'stroke-opacity': 0.45, 'stroke-width': 2 })),
    s('pattern', { id: 'pat-info', width: 6, height: 6, patternUnits: 'userSpaceOnUse' },
      s('rect', { width: 6, height: 6, fill: '#fdf0d5' }), s('circle', { cx: 3, cy: 3, r: 1.1, fill: '#a86400', 'fill-opacity': 0.55 })),
    s('pattern', { id: 'pat-fault', width: 10, height: 10, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(-45)' },
      s('line', { x1: 0, y1: 0, x2: 0, y2: 10, stroke: '#000', 'stroke-opacity': 0.10, 'stroke-width': 4 })),
    s('pattern', { id: 'pat-overlap', width: 7, height: 7, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      s('rect', { width: 7, height: 7, fill: '#f6d0cc' }), s('line', { x1: 0, y1: 0, x2: 0, y2: 7, stroke: '#b3261e', 'stroke-width': 2.5 })));
}

function swatch(fill, stroke, dashed) {
  return s('svg', { class: 'sw', width: 26, height: 14, 'aria-hidden': 'true' }, svgDefs(),
    s('rect', { x: 1, y: 1, width: 24, height: 12, rx: 2, fill, stroke, 'stroke-width': 1.5, 'stroke-dasharray': dashed ? '4 2' : null }));
}

function opLegend(extra) {
  return h('div', { class: 'legend' },
    h('span', {}, swatch(OUTCOME.ok.fill, OUTCOME.ok.stroke), 'ok — took effect'),
    h('span', {}, swatch('url(#pat-fail)', OUTCOME.fail.stroke), '✗ fail — certainly did not take effect'),
    h('span', {}, swatch('url(#pat-info)', OUTCOME.info.stroke, true), '? info — unknown, may take effect any time after its start'),
    h('span', {}, swatch('url(#pat-fault)', '#6b5b95'), 'shaded band — nemesis fault active'),
    extra || null);
}

/* ---------- counterexample timeline ---------- */

/** x positions for a set of ops: by event order (default, like Knossos) or by real time. */
function xScale(ops, mode, left, width) {
  const RIGHT = 160; // room for the failing-op labels
  const events = [];
  for (const op of ops) { events.push({ idx: op.i, t: op.start }); if (op.c >= 0) events.push({ idx: op.c, t: op.end }); }
  events.sort((a, b) => a.idx - b.idx);
  const rank = new Map(events.map((e, k) => [e.idx, k]));
  const tMin = Math.min(...events.map((e) => e.t));
  const tMax = Math.max(...events.map((e) => e.t), tMin + 1);
  if (mode === 'time') {
    const at = (t) => left + ((t - tMin) / (tMax - tMin)) * (width - left - RIGHT) + 10;
    return { ofIndex: (idx, t) => at(t), ofTime: at, end: width - 10, tMin, tMax };
  }
  const step = (width - left - RIGHT) / Math.max(1, events.length - 1);
  const ofRank = (k) => left + 10 + k * step;
  const ofTime = (t) => { // interpolate a wall-clock time (a fault boundary) between event positions
    if (t <= events[0].t) return left;
    for (let k = 1; k < events.length; k++) {
      if (t <= events[k].t) { const a = events[k - 1], b = events[k]; return ofRank(k - 1) + (b.t === a.t ? 0 : ((t - a.t) / (b.t - a.t)) * step); }
    }
    return width - 10;
  };
  return { ofIndex: (idx) => ofRank(rank.get(idx)), ofTime, end: width - 10, tMin, tMax };
}

function laneOrder(ids) {
  return [...new Set(ids)].sort((a, b) => (isNaN(a) || isNaN(b) ? String(a).localeCompare(String(b)) : Number(a) - Number(b)));
}

function drawCounterexample(cx, container, mode) {
  const lanes = laneOrder(cx.ops.map((o) => o.p));
  const LEFT = 96, TOP = 44, LANE = 40, BAR = 22;
  const width = Math.max(container.clientWidth || 1100, LEFT + cx.ops.length * 2 * 34);
  const height = TOP + lanes.length * LANE + 30;
  const x = xScale(cx.ops, mode, LEFT, width);
  const prefixPos = new Map(cx.longestPrefix.map((idx, k) => [idx, k + 1]));
  const svg = s('svg', { width, height, role: 'img', 'aria-label': 'counterexample timeline', id: `cx-svg-${container.dataset.cx}` }, svgDefs());
  for (const w of cx.faults) {
    const x0 = Math.max(LEFT, x.ofTime(w.start)), x1 = Math.min(x.end, x.ofTime(w.end));
    svg.append(s('g', { class: 'fault' },
      s('rect', { x: x0, y: TOP - 8, width: Math.max(2, x1 - x0), height: lanes.length * LANE + 8, fill: faultColour(w.fault), 'fill-opacity': 0.10 }),
      s('rect', { x: x0, y: TOP - 8, width: Math.max(2, x1 - x0), height: lanes.length * LANE + 8, fill: 'url(#pat-fault)' }),
      s('text', { x: x0 + 4, y: TOP - 12, fill: faultColour(w.fault), 'font-weight': 600 }, `⚡ ${faultLabel(w)}${w.open ? ' (never healed)' : ''}`),
      s('title', {}, `${faultLabel(w)}: ${fmtAt(w.start)} – ${w.open ? 'end of run' : fmtAt(w.end)}${w.detail ? '\n' + w.detail : ''}`)));
  }
  lanes.forEach((p, k) => {
    const y = TOP + k * LANE;
    svg.append(s('rect', { x: 0, y, width, height: LANE, fill: k % 2 ? '#fafbfc' : '#ffffff', 'fill-opacity': 0.6, class: 'lane-bg' }),
      s('text', { x: 10, y: y + LANE / 2 + 4, class: 'lane' }, `process ${p}`),
      s('line', { x1: LEFT, x2: width, y1: y + LANE, y2: y + LANE, stroke: '#eef0f3' }));
  });
  const axisY = TOP + lanes.length * LANE + 18;
  if (mode === 'time') {
    const span = x.tMax - x.tMin, step = niceTicks(span, 6)[1] || span;
    for (let t = Math.ceil(x.tMin / step) * step; t <= x.tMax; t += step) svg.append(s('text', { x: x.ofTime(t), y: axisY, 'text-anchor': 'middle', fill: '#5b6672' }, fmtAt(t)));
  } else {
    svg.append(s('text', { x: LEFT + 10, y: axisY, fill: '#5b6672' }, 'event order → (hover an op for its times)'));
  }
  const failing = cx.ops.find((o) => o.i === cx.failingOp);
  for (const op of cx.ops) svg.append(opBar(op, lanes.indexOf(op.p), x, { TOP, LANE, BAR, failing: op === failing, prefix: prefixPos.get(op.i) }));
  if (failing) {
    const fx = failing.c >= 0 ? x.ofIndex(failing.c, failing.end) : x.end;
    svg.append(s('g', { class: 'failpoint' },
      s('line', { x1: fx, x2: fx, y1: 18, y2: height - 4, stroke: '#b3261e', 'stroke-width': 2, 'stroke-dasharray': '6 3' }),
      s('text', { x: Math.min(fx + 4, width - 190), y: 14, fill: '#b3261e', 'font-weight': 700 }, '✖ no valid order past here'),
      s('title', {}, `By the completion of ${opTitle(failing)} no order of the ops is allowed by the model.`)));
  }
  container.replaceChildren(svg);
}

function opBar(op, lane, x, g) {
  const y = g.TOP + lane * g.LANE + (g.LANE - g.BAR) / 2;
  const x0 = x.ofIndex(op.i, op.start);
  const x1 = op.c >= 0 ? x.ofIndex(op.c, op.end) : x.end;
  const w = Math.max(8, x1 - x0);
  const o = OUTCOME[op.type];
  const bar = s('g', { class: 'bar', 'data-op': op.i, tabindex: 0, role: 'button', 'aria-label': opTitle(op) });
  bar.addEventListener('click', () => showOp(op.i));
  bar.addEventListener('keydown', (e) => { if (e.key === 'Enter') showOp(op.i); });
  bar.append(s('rect', { class: 'body', x: x0, y, width: w, height: g.BAR, rx: 3, fill: o.fill, stroke: o.stroke, 'stroke-width': 1.3, 'stroke-dasharray': op.type === 'info' ? '5 3' : null }));
  if (op.type === 'info') bar.append(s('path', { d: `M${x0 + w} ${y + g.BAR / 2} L${x.end} ${y + g.BAR / 2}`, stroke: o.stroke, 'stroke-dasharray': '2 3', fill: 'none' }));
  if (g.failing) bar.append(s('rect', { x: x0 - 3, y: y - 3, width: w + 6, height: g.BAR + 6, rx: 5, fill: 'none', stroke: '#b3261e', 'stroke-width': 3 }));
  const label = `${o.mark}${op.f}${op.iv === null || op.iv === undefined ? '' : ' ' + fmtVal(op.iv, 18)}${op.type === 'ok' && op.v !== null && JSON.stringify(op.v) !== JSON.stringify(op.iv) ? ' → ' + fmtVal(op.v, 18) : ''}`;
  const room = Math.floor((w - 8) / 7);
  if (room >= 3) bar.append(s('text', { x: x0 + 5, y: y + g.BAR / 2 + 4, fill: '#1d232b', 'pointer-events': 'none', 'paint-order': 'stroke', stroke: '#fff', 'stroke-width': 3, 'stroke-linejoin': 'round' }, label.length > room ? label.slice(0, room - 1) + '…' : label));
  if (g.prefix) bar.append(s('g', { 'pointer-events': 'none' }, s('circle', { cx: x0, cy: y - 1, r: 8, fill: '#1d232b' }), s('text', { x: x0, y: y + 3, fill: '#fff', 'text-anchor': 'middle', 'font-size': 10 }, g.prefix)));
  if (g.failing) bar.append(s('text', { x: x0 + w + 8, y: y + g.BAR / 2 + 4, fill: '#b3261e', 'font-weight': 700 }, '✖ cannot be placed'));
  bar.append(s('title', {}, `${opTitle(op)}\n${o.word}${op.error ? ' — ' + op.error : ''}\n${fmtAt(op.start)} → ${op.c >= 0 ? fmtAt(op.end) : 'never'} (${fmtMs(op.end - op.start)})\nclick for details`));
  return bar;
}

/** For a failed check without a counterexample: the ops its first violations name, on the same timeline. */
function violationTimeline(check) {
  const shown = check.violations.slice(0, 5);
  const ops = [...new Set(shown.flatMap((v) => v.ops || []).map((i) => opByIndex.get(i)).filter(Boolean))].sort((a, b) => a.i - b.i);
  if (!ops.length) return null;
  const from = Math.min(...ops.map((o) => o.start)), to = Math.max(...ops.map((o) => o.end));
  const view = { ops, longestPrefix: [], failingOp: -1, candidates: [], faults: D.faults.filter((w) => w.end >= from && w.start <= to) };
  const box = h('div', { class: 'timeline', 'data-cx': `v-${slug(check.checker)}` });
  requestAnimationFrame(() => drawCounterexample(view, box, 'time'));
  window.addEventListener('resize', () => drawCounterexample(view, box, 'time'));
  return h('div', {}, h('div', { class: 'chart-title' }, `Ops named by ${shown.length > 1 ? `the first ${shown.length} violations` : 'the violation'} (real time; click for details)`), opLegend(), box);
}

function counterexampleSection(check, k) {
  const cx = check.counterexample;
  const failing = cx.ops.find((o) => o.i === cx.failingOp);
  const box = h('div', { class: 'timeline', 'data-cx': k, id: `cx-timeline-${k}` });
  let mode = 'order';
  const byOrder = h('button', { type: 'button', class: 'on' }, 'event order');
  const byTime = h('button', { type: 'button' }, 'real time');
  const redraw = (m) => { mode = m; byOrder.classList.toggle('on', m === 'order'); byTime.classList.toggle('on', m === 'time'); drawCounterexample(cx, box, mode); };
  byOrder.addEventListener('click', () => redraw('order'));
  byTime.addEventListener('click', () => redraw('time'));
  const explain = h('div', { class: 'explain' },
    cx.longestPrefix.length ? `The search could put ${cx.longestPrefix.length} of these ${cx.ops.length} ops in a legal order (numbered ● in that order), but `
      : `Not even the first op can be placed: starting from the model's initial state, `,
    failing ? h('b', {}, opTitle(failing)) : `op ${cx.failingOp}`,
    ` (outlined in red) fits nowhere: every candidate order below is rejected by the ${check.details.model || 'model'}.`,
    cx.faults.length ? ` ${cx.faults.length} fault${cx.faults.length > 1 ? 's were' : ' was'} active during these ops (shaded).` : '',
    cx.omitted ? h('div', { class: 'muted small' }, `The checker's counterexample has ${cx.omitted} more ops, farthest from the failing op; they are left out here (see result.json).`) : null);
  const el = section(`counterexample-${k}`, `Counterexample — ${check.checker}${cx.key !== undefined ? ` (key ${cx.key})` : ''}`,
    explain,
    h('div', { class: 'toolbar' }, h('span', { class: 'muted small' }, 'x axis:'), byOrder, byTime, h('span', { class: 'muted small' }, 'Event order spaces every invoke and completion evenly (overlaps stay exact); real time keeps durations. Click an op for details; hover a candidate order to highlight its ops.')),
    opLegend(h('span', {}, s('svg', { class: 'sw', width: 18, height: 18 }, s('circle', { cx: 9, cy: 9, r: 8, fill: '#1d232b' }), s('text', { x: 9, y: 13, fill: '#fff', 'text-anchor': 'middle', 'font-size': 10 }, '1')), 'position in the longest legal order')),
    box,
    candidatesTable(cx, box));
  requestAnimationFrame(() => drawCounterexample(cx, box, mode));
  window.addEventListener('resize', () => drawCounterexample(cx, box, mode));
  return el;
}

function candidatesTable(cx, box) {
  if (!cx.candidates.length) return h('p', { class: 'muted' }, 'The checker reported no candidate orders.');
  const highlight = (order) => {
    box.classList.toggle('focus', !!order);
    for (const el of box.querySelectorAll('.bar')) el.classList.toggle('hl', !!order && order.includes(Number(el.dataset.op)));
  };
  return h('div', {},
    h('h3', {}, 'Candidate orders at the failure point and the model state each reaches'),
    h('div', { class: 'tablewrap' }, table(['#', 'order tried', 'model state reached', 'why it is rejected'],
      cx.candidates.map((c, n) => ({
        attrs: { class: 'clickable candidate', onmouseenter: () => highlight(c.order), onmouseleave: () => highlight(null) },
        cells: [String(n + 1), c.order.length ? h('div', {}, c.order.map((idx, j) => [j ? h('span', { class: 'arrow' }, '→') : null, opChip(idx)])) : h('span', { class: 'muted' }, '(no op placed: the initial state)'), h('code', {}, c.state), c.rejected],
      })))));
}

/* ---------- charts (uPlot) ---------- */

/** uPlot hook drawing fault windows as labelled, hatched bands behind the series. */
function faultBands(faults) {
  return (u) => {
    const ctx = u.ctx;
    ctx.save();
    for (const w of faults) {
      const x0 = u.valToPos(w.start / 1000, 'x', true), x1 = u.valToPos(w.end / 1000, 'x', true);
      const left = Math.max(u.bbox.left, x0), right = Math.min(u.bbox.left + u.bbox.width, x1);
      if (right <= left) continue;
      ctx.fillStyle = faultColour(w.fault) + '22';
      ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
      ctx.strokeStyle = faultColour(w.fault) + '55';
      ctx.lineWidth = 1;
      for (let xx = left - u.bbox.height; xx < right; xx += 10 * devicePixelRatio) {
        ctx.beginPath(); ctx.moveTo(Math.max(left, xx), u.bbox.top + Math.max(0, left - xx)); ctx.lineTo(Math.min(right, xx + u.bbox.height), u.bbox.top + Math.min(u.bbox.height, right - xx)); ctx.stroke();
      }
      ctx.fillStyle = faultColour(w.fault);
      ctx.textAlign = 'left'; ctx.textBaseline = 'alphabetic';
      ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
      if (right - left > 40 * devicePixelRatio) ctx.fillText(`⚡ ${faultLabel(w)}`.slice(0, Math.floor((right - left) / (6 * devicePixelRatio))), left + 3, u.bbox.top + 12 * devicePixelRatio);
    }
    ctx.restore();
  };
}

function chartWidth(el) { return Math.max(320, (el.clientWidth || app.clientWidth - 40) - 4); }

function makeChart(el, opts, data) {
  if (typeof uPlot === 'undefined') { el.append(h('p', { class: 'muted' }, 'chart library missing')); return; }
  const chart = new uPlot({ width: chartWidth(el), height: 220, ...opts }, data, el);
  window.addEventListener('resize', () => chart.setSize({ width: chartWidth(el), height: 220 }));
  return chart;
}

const secondsAxis = { label: 'time since start (s)', values: (u, ticks) => ticks.map((t) => `${t}s`) };

function throughputChart(el) {
  const t = D.throughput;
  makeChart(el, {
    scales: { x: { time: false } },
    axes: [secondsAxis, { label: 'completions / s' }],
    series: [{ label: 'time (s)' },
      { label: 'ok', stroke: '#2f7d4f', fill: '#2f7d4f22', width: 1.5 },
      { label: '✗ fail', stroke: '#b3261e', width: 1.5, dash: [6, 3] },
      { label: '? info', stroke: '#a86400', width: 1.5, dash: [2, 3] }],
    hooks: { drawClear: [faultBands(D.faults)] },
  }, [t.t.map((x) => x + t.binMs / 2000), t.ok, t.fail, t.info]);
}

function latencyChart(el) {
  const L = D.latencySeries;
  const palette = ['#1f5fbf', '#d95f02', '#7570b3', '#1b9e77', '#e7298a', '#66a61e', '#a6761d', '#666666'];
  const clamp = (v) => (v === null ? null : Math.max(0.01, v));
  const series = [{ label: 'time (s)' }];
  const data = [L.t.map((x) => x + L.binMs / 2000)];
  L.kinds.forEach((k, n) => {
    series.push({ label: `${k.f} p50`, stroke: palette[n % palette.length], width: 1.8, spanGaps: false });
    series.push({ label: `${k.f} max`, stroke: palette[n % palette.length], width: 1, dash: [4, 3], spanGaps: false });
    data.push(k.p50.map(clamp), k.max.map(clamp));
  });
  makeChart(el, {
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [secondsAxis, { label: 'latency (ms, log)', values: (u, ticks) => ticks.map((v) => fmtMs(v)), size: 70 }],
    series, hooks: { drawClear: [faultBands(D.faults)] },
  }, data);
}

function faultLegend() {
  if (!D.faults.length) return h('div', { class: 'legend' }, 'No nemesis faults in this run.');
  return h('div', { class: 'legend' }, 'Shaded bands = faults: ', faultKinds.map((k) => h('span', {}, s('svg', { class: 'sw', width: 16, height: 12 }, s('rect', { width: 16, height: 12, fill: faultColour(k), 'fill-opacity': 0.3, stroke: faultColour(k) })), k)));
}

function performanceSection() {
  const tp = h('div', { class: 'chart', id: 'chart-throughput' });
  const lat = h('div', { class: 'chart', id: 'chart-latency' });
  const el = section('performance', 'Latency and throughput',
    h('table', { class: 'grid', id: 'latency-table' },
      h('thead', {}, h('tr', {}, ['op', 'count', 'ok', '✗ fail', '? info', 'p50', 'p90', 'p99', 'max'].map((x, i) => h('th', { class: i ? 'num' : null }, x)))),
      h('tbody', {}, D.latency.map((l) => h('tr', {}, h('td', { class: 'mono' }, l.f), [l.count, l.ok, l.fail, l.info].map((n) => h('td', { class: 'num' }, fmtNum(n))), [l.p50, l.p90, l.p99, l.max].map((n) => h('td', { class: 'num' }, fmtMs(n))))))),
    h('p', { class: 'muted small' }, 'Latency runs from invoke to completion; an info op counts until its timeout (or the end of the history).'),
    faultLegend(),
    h('div', { class: 'chart-title' }, `Throughput (completions per second, ${fmtMs(D.throughput.binMs)} bins)`), tp,
    h('div', { class: 'chart-title' }, `Latency over time per op kind: median (solid) and max (dashed) per ${fmtMs(D.latencySeries.binMs)} bin`), lat);
  requestAnimationFrame(() => { throughputChart(tp); latencyChart(lat); performance.mark('faultline-charts'); });
  return el;
}

/* ---------- per-checker sections ---------- */

const TIME_KEYS = /^(time|at|from|to|start|end|since|until|t)$|[a-z](At|Start|End)$/;
const ID_KEYS = /^(pid|id|rid|port|session|token|zxid|czxid)$|[a-z](Pid|Id|By)$/;

function cell(key, v) {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number' && ID_KEYS.test(key)) return String(v);
  if (typeof v === 'number' && TIME_KEYS.test(key)) return fmtAt(v);
  if (typeof v === 'number' && /ms$/i.test(key)) return fmtMs(v);
  if (typeof v === 'number' && /^(op|index|invoke)$/i.test(key)) return opLink(v);
  if (Array.isArray(v) && /^ops$/i.test(key) && v.every((x) => typeof x === 'number')) return h('span', {}, v.map((i) => [opLink(i), ' ']));
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  return h('code', {}, fmtVal(v, 200));
}

/** Any JSON value as readable HTML: scalars as text, arrays of records as tables, objects as key/value lists. */
function renderValue(key, v, depth) {
  if (v === null || typeof v !== 'object') return cell(key, v);
  if (Array.isArray(v)) {
    const more = v.length && v[v.length - 1] && v[v.length - 1].__more;
    const items = more ? v.slice(0, -1) : v;
    if (!v.length) return h('span', { class: 'muted' }, 'none');
    const moreNote = more ? h('div', { class: 'more' }, `… and ${fmtNum(more)} more (see result.json)`) : null;
    if (items.length && items.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      const cols = [...new Set(items.flatMap((x) => Object.keys(x)))].slice(0, 12);
      return h('div', {}, h('div', { class: 'tablewrap' }, table(cols, items.map((x) => cols.map((c) => cell(c, x[c]))), { numeric: cols.map((c) => items.every((x) => typeof x[c] === 'number')) })), moreNote);
    }
    if (items.every((x) => x === null || typeof x !== 'object')) return h('span', {}, items.map((x) => (key === 'ops' && typeof x === 'number' ? [opLink(x), ' '] : fmtVal(x, 80) + ' ')), moreNote);
    return h('pre', {}, JSON.stringify(v, null, 2));
  }
  if (depth > 2) return h('pre', {}, JSON.stringify(v, null, 2));
  return h('table', { class: 'kv' }, Object.entries(v).map(([k, x]) => h('tr', {}, h('th', {}, k), h('td', {}, renderValue(k, x, depth + 1)))));
}

function violationsList(check) {
  if (!check.violations.length) return null;
  return h('div', {},
    h('h3', {}, `Violations (${fmtNum(check.violationsTotal)})`),
    h('ol', { class: 'violations' }, check.violations.map((v) => h('li', {},
      v.message, typeof v.time === 'number' ? h('span', { class: 'muted' }, ` at ${fmtAt(v.time)}`) : null,
      v.ops && v.ops.length ? h('span', {}, ' — ', v.ops.map((i) => [opLink(i), ' '])) : null,
      v.detail ? h('details', {}, h('summary', {}, 'detail'), renderValue('detail', v.detail, 1)) : null))),
    check.violationsTotal > check.violations.length ? h('div', { class: 'more' }, `… ${check.violationsTotal - check.violations.length} more in result.json`) : null);
}

/** Round tick positions (ms) from 0 to `span`, at most about `count` of them. */
function niceTicks(span, count) {
  const raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((x) => x >= raw) || raw;
  const ticks = [];
  for (let t = 0; t <= span + 1e-9; t += step) ticks.push(t);
  return ticks;
}

/** Intervals per lane over the whole run (lock holders, leaders), overlaps between lanes marked. */
function ganttChart(items, laneKey, title) {
  const rows = items.filter((x) => x && typeof x === 'object' && !x.__more).map((x) => ({
    lane: String(x[laneKey] ?? x.process ?? x.holder ?? x.leader ?? x.node ?? '?'),
    from: Number(x.from ?? x.start ?? 0), to: x.to === null || x.to === undefined ? (x.end ?? D.spanMs) : Number(x.to), item: x,
  }));
  const lanes = laneOrder(rows.map((r) => r.lane));
  const span = Math.max(D.spanMs, ...rows.map((r) => r.to), 1);
  const LEFT = 110, LANE = 26, TOP = 22;
  const box = h('div', { class: 'timeline gantt' });
  const draw = () => {
    const width = Math.max(600, box.clientWidth || 1100);
    const xs = (t) => LEFT + (t / span) * (width - LEFT - 16);
    const svg = s('svg', { width, height: TOP + lanes.length * LANE + 24, role: 'img', 'aria-label': title }, svgDefs());
    for (const w of D.faults) svg.append(s('rect', { x: xs(w.start), y: TOP - 4, width: Math.max(1, xs(w.end) - xs(w.start)), height: lanes.length * LANE + 4, fill: 'url(#pat-fault)' }), s('text', { x: xs(w.start) + 2, y: TOP - 8, fill: faultColour(w.fault), 'font-size': 10 }, faultLabel(w)));
    lanes.forEach((l, k) => svg.append(s('text', { x: 8, y: TOP + k * LANE + 17, class: 'lane' }, /^\d+$/.test(l) && laneKey === 'process' ? `process ${l}` : l)));
    for (const r of rows) {
      const overlaps = rows.filter((o) => o !== r && o.lane !== r.lane && o.from < r.to && r.from < o.to);
      const y = TOP + lanes.indexOf(r.lane) * LANE + 4;
      const bar = s('g', { class: 'bar' },
        s('rect', { class: 'body', x: xs(r.from), y, width: Math.max(2, xs(r.to) - xs(r.from)), height: LANE - 8, rx: 2, fill: '#bcd3f2', stroke: '#1f5fbf' }));
      for (const o of overlaps) { // only the stretch held by two lanes at once is marked
        const a = Math.max(r.from, o.from), b = Math.min(r.to, o.to);
        bar.append(s('rect', { class: 'overlap', x: xs(a), y, width: Math.max(2, xs(b) - xs(a)), height: LANE - 8, fill: 'url(#pat-overlap)', stroke: '#b3261e', 'stroke-width': 1.5 }));
      }
      bar.append(s('title', {}, `${r.lane}: ${fmtAt(r.from)} – ${fmtAt(r.to)}${overlaps.length ? `\nat the same time as ${overlaps.map((o) => o.lane).join(', ')}` : ''}\n${JSON.stringify(r.item)}`));
      svg.append(bar);
    }
    const axisY = TOP + lanes.length * LANE + 14;
    for (const t of niceTicks(span, 8)) svg.append(s('text', { x: xs(t), y: axisY, 'text-anchor': 'middle', fill: '#5b6672' }, `${+(t / 1000).toFixed(3)} s`));
    box.replaceChildren(svg);
  };
  requestAnimationFrame(draw);
  return h('div', {}, h('div', { class: 'chart-title' }, title),
    h('div', { class: 'legend' }, h('span', {}, swatch('#bcd3f2', '#1f5fbf'), 'held'), h('span', {}, swatch('url(#pat-overlap)', '#b3261e'), '✗ held by two at once'), h('span', {}, swatch('url(#pat-fault)', '#6b5b95'), 'fault active')), box);
}

function statusClass(st) {
  const n = Number(st);
  if (n >= 200 && n < 400) return '2xx/3xx';
  if (n === 502 || n === 504) return String(n);
  return n ? 'other' : 'no response';
}

const STATUS_COLOUR = { '2xx/3xx': '#2f7d4f', 502: '#b3261e', 504: '#d95f02', other: '#7570b3', 'no response': '#333' };
const STATUS_SHAPE = { '2xx/3xx': '●', 502: '▲', 504: '■', other: '◆', 'no response': '✕' };

/** uPlot hook: distinct marker shapes per status, so the plot does not rely on colour alone. */
function markersHook(present) {
  return (u) => {
    const ctx = u.ctx, r = 3.5 * devicePixelRatio;
    ctx.save();
    ctx.beginPath(); ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height); ctx.clip();
    present.forEach((c, k) => {
      if (!u.series[k + 1].show) return;
      ctx.fillStyle = STATUS_COLOUR[c]; ctx.strokeStyle = STATUS_COLOUR[c]; ctx.lineWidth = 1.5 * devicePixelRatio;
      u.data[k + 1].forEach((v, i) => {
        if (v !== null) marker(ctx, STATUS_SHAPE[c], u.valToPos(u.data[0][i], 'x', true), u.valToPos(v, 'y', true), c === '2xx/3xx' ? r * 0.7 : r * 1.3);
      });
    });
    ctx.restore();
  };
}

/** uPlot hook: worker kills (harakiri) as dotted verticals; labels that would collide are merged. */
function killsHook(kills) {
  const list = (Array.isArray(kills) ? kills : []).filter((x) => x && typeof (x.time ?? x.killAt) === 'number').sort((a, b) => (a.time ?? a.killAt) - (b.time ?? b.killAt));
  return (u) => {
    const ctx = u.ctx, gap = 80 * devicePixelRatio;
    ctx.save();
    ctx.strokeStyle = '#1d232b'; ctx.fillStyle = '#1d232b'; ctx.setLineDash([2, 3]);
    ctx.font = `${10 * devicePixelRatio}px system-ui`; ctx.textAlign = 'left'; ctx.textBaseline = 'top';
    let lastLabel = -Infinity;
    list.forEach((k, n) => {
      const x = u.valToPos((k.time ?? k.killAt) / 1000, 'x', true);
      ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
      if (x - lastLabel < gap) return;
      const together = list.slice(n).filter((o) => u.valToPos((o.time ?? o.killAt) / 1000, 'x', true) - x < gap).length;
      const label = together > 1 ? `✝ ${together} kills` : `✝ kill${k.pid !== undefined ? ' pid ' + k.pid : ''}`;
      const fits = x + 3 + ctx.measureText(label).width < u.bbox.left + u.bbox.width;
      ctx.textAlign = fits ? 'left' : 'right';
      ctx.fillText(label, fits ? x + 3 : x - 3, u.bbox.top + 16 * devicePixelRatio);
      lastLabel = x;
    });
    ctx.restore();
  };
}

/** uPlot hook: deadlines as dashed horizontal lines, and an accepted window [from, to] as a band. */
function deadlinesHook(deadlines, window) {
  const lines = Object.entries(deadlines || {}).filter(([, v]) => typeof v === 'number');
  return (u) => {
    const ctx = u.ctx;
    ctx.save();
    ctx.beginPath(); ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height); ctx.clip();
    if (Array.isArray(window) && window.length === 2 && window.every((v) => typeof v === 'number')) {
      const y0 = u.valToPos(window[1], 'y', true), y1 = u.valToPos(window[0], 'y', true);
      ctx.fillStyle = '#b3261e14'; ctx.fillRect(u.bbox.left, y0, u.bbox.width, y1 - y0);
      ctx.fillStyle = '#b3261e'; ctx.font = `${10 * devicePixelRatio}px system-ui`; ctx.textAlign = 'left'; ctx.textBaseline = 'top';
      ctx.fillText(`accepted kill window ${fmtMs(window[0])}–${fmtMs(window[1])}`, u.bbox.left + 4, Math.max(u.bbox.top, y0) + 2);
    }
    for (const [name, ms] of lines) {
      const y = u.valToPos(ms, 'y', true);
      ctx.strokeStyle = '#b3261e'; ctx.setLineDash([6, 4]); ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke();
      ctx.fillStyle = '#b3261e'; ctx.font = `${11 * devicePixelRatio}px system-ui`; ctx.textAlign = 'right'; ctx.textBaseline = 'bottom';
      ctx.fillText(`${name} ${fmtMs(ms)}`, u.bbox.left + u.bbox.width - 4, y - 2);
    }
    ctx.restore();
  };
}

const drawnRequests = [];

/** Requests over time: duration against start time, one marker shape per status, deadlines as lines.
 *  When an earlier check already drew the same requests, this one is folded away (drawn when opened). */
function requestsChart(d) {
  const rows = d.requests.filter((r) => r && typeof r.start === 'number').sort((a, b) => a.start - b.start);
  const present = ['2xx/3xx', '502', '504', 'other', 'no response'].filter((c) => rows.some((r) => statusClass(r.status) === c));
  const el = h('div', { class: 'chart chart-requests' });
  const ceiling = Math.max(0, ...Object.values(deadlinesOf(d)).filter((v) => typeof v === 'number'), ...(Array.isArray(d.window) ? d.window.filter((v) => typeof v === 'number') : []));
  const draw = () => makeChart(el, {
    scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(max, ceiling) * 1.08 || 1] } },
    axes: [secondsAxis, { label: 'duration (ms)', size: 60 }],
    series: [{ label: 'start (s)' }, ...present.map((c) => ({ label: `${STATUS_SHAPE[c]} ${c}`, stroke: STATUS_COLOUR[c], fill: STATUS_COLOUR[c], width: 0, paths: () => null, points: { show: false } }))],
    hooks: { drawClear: [faultBands(D.faults)], draw: [markersHook(present), deadlinesHook(deadlinesOf(d), d.window), killsHook(d.kills || d.killWindows)] },
  }, [rows.map((r) => r.start / 1000), ...present.map((c) => rows.map((r) => (statusClass(r.status) === c ? Math.max(0, (r.end ?? r.start) - r.start) : null)))]);
  const counts = present.map((c) => `${STATUS_SHAPE[c]} ${c}: ${fmtNum(rows.filter((r) => statusClass(r.status) === c).length)}`).join('   ');
  const body = [h('div', { class: 'muted small' }, counts), el];
  const signature = JSON.stringify([rows.length, rows[0], rows[rows.length - 1]]);
  const earlier = drawnRequests.find((x) => x.signature === signature);
  drawnRequests.push({ signature, checker: d.__checker });
  if (!earlier) {
    requestAnimationFrame(draw);
    return h('div', {}, h('div', { class: 'chart-title' }, 'Requests: duration by start time, per status (deadlines dashed red, worker kills dotted)'), body);
  }
  const fold = h('details', {}, h('summary', {}, `Requests plot (the same requests as in ${earlier.checker}, with this check's deadlines)`), body);
  let drawn = false;
  fold.addEventListener('toggle', () => { if (fold.open && !drawn) { drawn = true; draw(); } });
  return fold;
}

function marker(ctx, shape, x, y, r) {
  ctx.beginPath();
  if (shape === '▲') { ctx.moveTo(x, y - r); ctx.lineTo(x + r, y + r * 0.8); ctx.lineTo(x - r, y + r * 0.8); ctx.closePath(); ctx.fill(); }
  else if (shape === '■') ctx.fillRect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
  else if (shape === '◆') { ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); ctx.closePath(); ctx.fill(); }
  else if (shape === '✕') { ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r); ctx.stroke(); }
  else { ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fill(); }
}

function workersBars(workers, limit) {
  const entries = Object.entries(workers).filter(([, n]) => typeof n === 'number').sort((a, b) => b[1] - a[1]);
  const max = Math.max(...entries.map(([, n]) => n), typeof limit === 'number' ? limit : 0, 1);
  return h('div', {}, h('div', { class: 'chart-title' }, `Requests served per worker pid${typeof limit === 'number' ? ` (max-requests ${limit})` : ''}`),
    h('div', { class: 'tablewrap' }, h('table', { class: 'grid bars', id: 'workers-table' }, h('tbody', {}, entries.map(([pid, n]) => h('tr', {},
      h('td', { class: 'mono' }, `pid ${pid}`), h('td', { class: 'num' }, fmtNum(n)),
      h('td', { class: 'barcell' }, h('div', { class: `hbar${typeof limit === 'number' && n > limit ? ' over' : ''}`, style: `width:${(100 * n) / max}%` }),
        typeof limit === 'number' && n > limit ? h('span', { class: 'small', style: 'color:#b3261e' }, '✗ over the limit') : null)))))));
}

/** Each node's wall-clock offset over the run (clock faults), as steps; a strobe's other side dashed. */
function offsetChart(steps) {
  const nodes = [...new Set(steps.map((x) => x.node))].sort();
  const xs = [...new Set([0, ...steps.map((x) => x.time), D.spanMs])].sort((a, b) => a - b);
  const at = (node, t) => steps.filter((x) => x.node === node && x.time <= t).pop();
  const palette = ['#1f5fbf', '#d95f02', '#7570b3', '#1b9e77', '#e7298a'];
  const series = [{ label: 'time (s)' }];
  const data = [xs.map((t) => t / 1000)];
  nodes.forEach((node, n) => {
    const colour = palette[n % palette.length];
    const stepped = typeof uPlot !== 'undefined' && uPlot.paths && uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined;
    series.push({ label: `${node} offset`, stroke: colour, width: 2, paths: stepped });
    data.push(xs.map((t) => (at(node, t)?.offsetMs ?? 0) / 1000));
    if (steps.some((x) => x.node === node && typeof x.strobeToMs === 'number')) {
      series.push({ label: `${node} strobing to`, stroke: colour, width: 1, dash: [3, 3], paths: stepped });
      // held up to the strobe's end, so the dashed side spans the whole strobe
      const side = (x) => (x && typeof x.strobeToMs === 'number' ? x.strobeToMs / 1000 : null);
      data.push(xs.map((t) => side(at(node, t)) ?? side(at(node, t - 1e-6))));
    }
  });
  const el = h('div', { class: 'chart' });
  requestAnimationFrame(() => makeChart(el, {
    scales: { x: { time: false } },
    axes: [secondsAxis, { label: 'wall-clock offset (s)', size: 60 }],
    series, hooks: { drawClear: [faultBands(D.faults)] },
  }, data));
  return h('div', {}, h('div', { class: 'chart-title' }, 'Wall-clock offset of each node over time (what its processes saw)'), el);
}

/** Specialised drawings, chosen by details field (documented in reports/README.md). */
const SPECIAL = {
  clockOffsets: (d) => Array.isArray(d.clockOffsets) && d.clockOffsets.length > 0 && offsetChart(d.clockOffsets),
  holders: (d) => Array.isArray(d.holders) && ganttChart(d.holders, 'process', 'Lock holders over time'),
  leaders: (d) => Array.isArray(d.leaders) && ganttChart(d.leaders, 'leader', 'Leaders over time'),
  requests: (d) => Array.isArray(d.requests) && requestsChart(d),
  workers: (d) => d.workers && typeof d.workers === 'object' && !Array.isArray(d.workers) && workersBars(d.workers, d.maxRequests),
};
/** Deadlines to draw on the request plot: details.deadlines {name: ms}, or the http checkers' own fields. */
function deadlinesOf(d) {
  if (d.deadlines && typeof d.deadlines === 'object') return d.deadlines;
  const out = {};
  if (typeof d.harakiriMs === 'number' && d.harakiriMs > 0) out.harakiri = d.harakiriMs;
  if (typeof d.readTimeoutMs === 'number' && d.readTimeoutMs > 0) out['nginx read timeout'] = d.readTimeoutMs;
  return out;
}
const CONSUMED = { requests: ['deadlines'], workers: ['maxRequests'] };

function checkSection(check) {
  const d = check.details || {};
  const drawn = Object.keys(SPECIAL).filter((k) => k in d).map((k) => SPECIAL[k]({ ...d, __checker: check.checker })).filter(Boolean);
  const used = new Set(Object.keys(SPECIAL).filter((k) => k in d).flatMap((k) => [k, ...(CONSUMED[k] || [])]));
  const rest = Object.fromEntries(Object.entries(d).filter(([k]) => !used.has(k)));
  return h('section', { class: 'card check', id: `check-${slug(check.checker)}` },
    h('div', { class: 'checkhead' }, h('h2', {}, check.checker), verdictBadge(check.valid)),
    h('p', {}, check.summary),
    check.counterexample ? h('p', {}, h('a', { href: `#counterexample-${D.checks.filter((c) => c.counterexample).indexOf(check)}` }, '↑ counterexample timeline')) : null,
    violationsList(check), check.valid === false && !check.counterexample ? violationTimeline(check) : null, ...drawn,
    Object.keys(rest).length ? h('div', {}, h('h3', {}, 'Details'), renderValue('details', rest, 0)) : null);
}

function checksOverview() {
  return section('checks', 'Checks',
    table(['checker', 'verdict', 'summary'], D.checks.map((c) => [h('a', { href: `#check-${slug(c.checker)}` }, c.checker), verdictBadge(c.valid), c.summary])),
    Object.keys(D.metrics).length ? h('div', {}, h('h3', {}, 'Metrics'), renderValue('metrics', D.metrics, 1)) : null);
}

/* ---------- faults, notable ops, files ---------- */

function faultsSection() {
  if (!D.faults.length) return null;
  return section('faults', `Faults injected (${D.faults.length})`, h('div', { class: 'tablewrap' }, table(['fault', 'targets', 'start', 'end', 'duration', 'detail'],
    D.faults.map((w) => [h('span', { style: `color:${faultColour(w.fault)};font-weight:600` }, `⚡ ${w.fault}`), w.targets.join(', ') || '–', fmtAt(w.start), w.open ? 'never healed' : fmtAt(w.end), fmtMs(w.end - w.start), w.detail || '']))));
}

/** The planned fault schedule; after --shrink, the original beside the smallest still-failing one. */
function scheduleSection() {
  const sc = D.schedule;
  if (!sc) return null;
  const rows = (faults) => table(['#', 'fault', 'at', 'lasts'], faults.map((f, i) => [String(i + 1), h('span', { style: `color:${faultColour(f.kind)};font-weight:600` }, `⚡ ${f.kind}`), fmtAt(f.at), fmtMs(f.duration)]), { numeric: [true, false, true, true] });
  const side = (title, faults, shape) => h('div', { class: 'schedule-col' }, h('h3', {}, title),
    shape ? h('p', { class: 'muted small' }, [shape.concurrency !== undefined ? `${shape.concurrency} clients` : null, shape.timeLimit !== undefined ? `${shape.timeLimit} s of workload` : null, `${faults.length} faults`].filter(Boolean).join(', ')) : null,
    faults.length ? rows(faults) : h('p', { class: 'muted' }, 'no faults'));
  const parts = [h('div', { class: 'schedule-cols', style: 'display:flex;gap:2em;flex-wrap:wrap' },
    side(sc.shrunk ? 'Original schedule' : 'Planned from the seed', sc.original, sc.shrink && sc.shrink.original),
    sc.shrunk ? side('Shrunk: smallest run that still fails', sc.shrunk, sc.shrink && sc.shrink.shrunk) : null)];
  if (sc.shrink) {
    if (sc.shrink.replay) parts.push(h('p', {}, 'Replay the shrunk run: ', h('code', {}, sc.shrink.replay)));
    parts.push(h('details', {}, h('summary', {}, `${sc.shrink.attempts.length} shrink attempts`),
      table(['change', 'still fails', 'clients', 'time limit', 'faults', 'took'], sc.shrink.attempts.map((a) => [a.change, a.failed ? 'yes' : 'no', String(a.concurrency), `${a.timeLimit} s`, String(a.faults), fmtMs(a.ms)]))));
  }
  return section('schedule', sc.shrunk ? 'Fault schedule — original and shrunk' : 'Fault schedule', ...parts);
}

function opsTable(indices) {
  return h('div', { class: 'tablewrap' }, table(['op', 'process', 'outcome', 'start', 'latency', 'value / error'],
    indices.map((i) => D.ops[i]).filter(Boolean).map((op) => ({
      attrs: { class: 'clickable', onclick: () => showOp(op.i) },
      cells: [h('span', { class: `chip ${op.type}` }, `${op.f}${op.key !== undefined ? ' [' + op.key + ']' : ''}`), op.p, `${OUTCOME[op.type].mark}${op.type}`, fmtAt(op.start), fmtMs(op.end - op.start), op.error || fmtVal(op.type === 'ok' ? op.v : op.iv, 80)],
    })), { numeric: [false, false, false, true, true, false] }));
}

function opsSection() {
  const s1 = D.samples.unsuccessful, s2 = D.samples.slowest;
  return section('ops', 'Notable ops',
    h('h3', {}, `Failed or indeterminate ops (${fmtNum(D.samples.unsuccessfulTotal)}${D.samples.unsuccessfulTotal > s1.length ? `, ${s1.length} shown` : ''})`),
    s1.length ? opsTable(s1) : h('p', { class: 'muted' }, 'None: every op completed ok.'),
    h('h3', {}, 'Slowest successful ops per kind'), s2.length ? opsTable(s2) : h('p', { class: 'muted' }, 'No successful ops.'));
}

function filesSection() {
  return section('files', 'Raw files and node logs',
    h('ul', {}, D.links.map((l) => h('li', {}, h('a', { href: l.href }, l.label), l.bytes !== undefined ? h('span', { class: 'muted small' }, ` (${fmtBytes(l.bytes)})`) : null))),
    D.logs.length ? D.logs.map((log) => h('details', {}, h('summary', {}, `${log.node} — last lines `, h('span', { class: 'muted small' }, `(${fmtBytes(log.bytes)})`)),
      h('p', { class: 'small' }, h('a', { href: log.href }, `open full log ${log.href}`)), h('pre', {}, log.tail || '(empty)'))) : h('p', { class: 'muted' }, 'No node logs in this run folder.'));
}

/* ---------- run overview ---------- */

/** One strip for the whole run: fault windows per kind, when violations happened, where the counterexample lies. */
function overview() {
  const rows = faultKinds.map((k) => ({ label: `⚡ ${k}`, colour: faultColour(k), items: D.faults.filter((w) => w.fault === k).map((w) => ({ from: w.start, to: w.end, label: w.targets.join(','), tip: `${faultLabel(w)}: ${fmtAt(w.start)} – ${w.open ? 'end (never healed)' : fmtAt(w.end)}${w.detail ? '\n' + w.detail : ''}` })) }));
  const cxs = D.checks.map((c, n) => ({ c, n })).filter((x) => x.c.counterexample);
  if (cxs.length) rows.push({ label: 'counterexample', colour: '#b3261e', items: cxs.map(({ c }, k) => { const o = c.counterexample.ops; return { from: Math.min(...o.map((x) => x.start)), to: Math.max(...o.map((x) => x.end)), label: c.checker, tip: `counterexample of ${c.checker}`, href: `#counterexample-${k}` }; }) });
  const marks = D.checks.flatMap((c) => c.violations.filter((v) => typeof v.time === 'number').map((v) => ({ time: v.time, c, v })));
  if (!rows.length && !marks.length && !D.events.length) return null;
  const box = h('div', { class: 'timeline', id: 'overview-strip' });
  const LEFT = 130, LANE = 24, TOP = 8;
  const draw = () => {
    const width = Math.max(600, box.clientWidth || 1100);
    const span = Math.max(D.spanMs, 1);
    const xs = (t) => LEFT + (Math.min(Math.max(t, 0), span) / span) * (width - LEFT - 16);
    const nLanes = rows.length + (marks.length ? 1 : 0) + (D.events.length ? 1 : 0);
    const svg = s('svg', { width, height: TOP + nLanes * LANE + 24, role: 'img', 'aria-label': 'run overview' }, svgDefs());
    rows.forEach((r, k) => {
      const y = TOP + k * LANE;
      svg.append(s('text', { x: 8, y: y + 16, class: 'lane', fill: r.colour }, r.label));
      for (const it of r.items) {
        const g = s('g', { class: 'span' }, s('rect', { x: xs(it.from), y: y + 3, width: Math.max(3, xs(it.to) - xs(it.from)), height: LANE - 6, rx: 3, fill: r.colour, 'fill-opacity': 0.18, stroke: r.colour }),
          xs(it.to) - xs(it.from) > it.label.length * 7 + 8 ? s('text', { x: xs(it.from) + 4, y: y + 16, fill: r.colour }, it.label) : null, s('title', {}, it.tip));
        if (it.href) { g.setAttribute('cursor', 'pointer'); g.addEventListener('click', () => { location.hash = it.href; }); }
        svg.append(g);
      }
    });
    if (marks.length) {
      const y = TOP + rows.length * LANE;
      svg.append(s('text', { x: 8, y: y + 16, class: 'lane', fill: '#b3261e' }, '✖ violations'));
      for (const m of marks) {
        const g = s('g', { class: 'violation-mark', cursor: 'pointer' }, s('text', { x: xs(m.time), y: y + 17, 'text-anchor': 'middle', fill: '#b3261e', style: 'font-size:17px;font-weight:700' }, '✖'), s('title', {}, `${m.c.checker} at ${fmtAt(m.time)}: ${m.v.message}`));
        g.addEventListener('click', () => { location.hash = `#check-${slug(m.c.checker)}`; });
        svg.append(g);
      }
    }
    if (D.events.length) {
      const y = TOP + (nLanes - 1) * LANE;
      svg.append(s('text', { x: 8, y: y + 16, class: 'lane', fill: '#5b6672' }, `◆ events${D.eventsTotal > D.events.length ? ` (${D.events.length} of ${D.eventsTotal})` : ''}`));
      for (const e of D.events) svg.append(s('g', { class: 'event-mark' }, s('path', { d: `M${xs(e.time)} ${y + 6} l5 6 l-5 6 l-5 -6 z`, fill: '#5b6672', 'fill-opacity': 0.7 }), s('title', {}, `${fmtAt(e.time)} ${e.f} (process ${e.process}): ${e.text}`)));
    }
    const axisY = TOP + nLanes * LANE + 16;
    for (const t of niceTicks(span, 10)) svg.append(s('text', { x: xs(t), y: axisY, 'text-anchor': 'middle', fill: '#5b6672' }, `${+(t / 1000).toFixed(3)} s`));
    box.replaceChildren(svg);
  };
  requestAnimationFrame(draw);
  window.addEventListener('resize', draw);
  return section('overview', 'Run at a glance', h('p', { class: 'muted small' }, 'Faults injected over the whole run, when each violation happened, and where the counterexample lies. Hover for details; click to jump.'), box);
}

/* ---------- page ---------- */

function render() {
  const cxChecks = D.checks.filter((c) => c.counterexample);
  app.append(header(), ...cxChecks.map((c, k) => counterexampleSection(c, k)), overview() || '', checksOverview(),
    ...D.checks.map(checkSection), performanceSection(), faultsSection() || '', scheduleSection() || '', opsSection(), filesSection(), inspector);
  document.body.dataset.rendered = 'true';
  performance.mark('faultline-rendered');
}

render();
