// The HTML shell every faultline page shares: inline CSS and scripts (the page must open offline, from a
// CI artifact), the data embedded as inert JSON, and a Content-Security-Policy that only lets our own
// scripts run (by hash) and forbids every network fetch. History data never becomes markup: the page
// script builds the DOM with textContent, and the JSON is escaped so it cannot close its <script> tag.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const assetCache = new Map<string, string>();

function asset(file: string): string {
  if (!assetCache.has(file)) assetCache.set(file, readFileSync(file, 'utf8'));
  return assetCache.get(file)!;
}

const local = (name: string) => new URL(`./assets/${name}`, import.meta.url).pathname;

/** JSON that is safe inside <script type="application/json">: no '<', '>', '&' or line separators survive raw. */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export interface PageOptions {
  title: string;
  /** Which page script draws the data: the run report, the run index or a campaign. */
  app: 'report' | 'index' | 'campaign';
  data: unknown;
  /** Whether the page draws charts with uPlot (inlined, ~50 kB). */
  charts: boolean;
}

export function renderPage(opts: PageOptions): string {
  const scripts = [
    ...(opts.charts ? [asset(require.resolve('uplot/dist/uPlot.iife.min.js'))] : []),
    asset(local('common.js')),
    asset(local(`${opts.app}.js`)),
  ];
  const styles = [...(opts.charts ? [asset(require.resolve('uplot/dist/uPlot.min.css'))] : []), asset(local('page.css'))];
  const csp = [
    "default-src 'none'", `script-src ${scripts.map(sha256).join(' ')}`, "style-src 'unsafe-inline'",
    'img-src data:', "connect-src 'none'", "base-uri 'none'", "form-action 'none'",
  ].join('; ');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(opts.title)}</title>`,
    ...styles.map((s) => `<style>${s}</style>`),
    '</head><body>',
    '<noscript>This report draws itself with JavaScript; open it in a browser with scripts enabled. Raw data: history.jsonl, result.json.</noscript>',
    '<main id="app"></main>',
    `<script type="application/json" id="faultline-data">${jsonForScript(opts.data)}</script>`,
    ...scripts.map((s) => `<script>${s}</script>`),
    '</body></html>',
  ].join('\n');
}
