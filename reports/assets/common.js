// Helpers shared by the report and index pages. Every string that comes from a history or a result is
// put into the page with textContent or setAttribute, never parsed as HTML.
'use strict';

/** The page data, embedded as inert JSON by reports/page.ts. */
function loadData() {
  return JSON.parse(document.getElementById('faultline-data').textContent);
}

/** Creates an element; string/number children become text nodes, attributes go through setAttribute. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (/^on/i.test(k)) continue; // never set inline handlers from data
    else if (k === 'class') el.setAttribute('class', v);
    else el.setAttribute(k, String(v));
  }
}

const VERDICT = {
  true: { word: 'Valid', icon: '✔', cls: 'valid' },
  false: { word: 'Violation', icon: '✘', cls: 'invalid' },
  unknown: { word: 'Unknown', icon: '?', cls: 'unknown' },
};
const verdictOf = (valid) => VERDICT[String(valid)] || VERDICT.unknown;

function verdictBadge(valid, long) {
  const v = verdictOf(valid);
  return h('span', { class: `badge ${v.cls}`, title: `verdict: ${v.word}` }, `${v.icon} ${long ? long : v.word}`);
}

/** Milliseconds as a short human duration. */
function fmtMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(Number(ms))) return '–';
  ms = Number(ms);
  if (Math.abs(ms) < 1) return `${ms.toFixed(2)} ms`;
  if (Math.abs(ms) < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (Math.abs(ms) < 120000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

/** A time since run start (ms) as seconds with millisecond precision. */
const fmtAt = (ms) => (ms === null || ms === undefined ? '–' : `${(Number(ms) / 1000).toFixed(3)} s`);

function fmtNum(n) {
  if (typeof n !== 'number') return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3);
}

/** A JSON value as one short line. */
function fmtVal(v, max) {
  const text = typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nil' : v === null ? 'nil' : JSON.stringify(v);
  const limit = max || 60;
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function section(id, title, ...children) {
  return h('section', { id, class: 'card' }, h('h2', {}, title), ...children);
}

/** A table from a header list and rows of cells (cells may be nodes or text). */
function table(headers, rows, opts) {
  const o = opts || {};
  return h('table', { class: o.cls || 'grid' },
    h('thead', {}, h('tr', {}, headers.map((x, i) => h('th', { class: o.numeric && o.numeric[i] ? 'num' : null }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', r.attrs || {}, (r.cells || r).map((c, i) => h('td', { class: o.numeric && o.numeric[i] ? 'num' : null }, c))))));
}
