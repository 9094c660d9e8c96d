// The test app of targets/uwsgi-nginx/app/app.py, in TypeScript, so the checkers judge uwsgi-lite by
// exactly the same endpoints, headers and side-effect files as the real stack: each endpoint takes a
// requested time or amount of data, every response names the worker pid and the request id, every
// request with an id is journalled when a worker starts it, and POST /effect appends its id to an
// append-only effects file that outlives worker and master kills.
import { appendFileSync, readFileSync } from 'node:fs';

const MAX_SLEEP_MS = 120_000;
const MAX_CHUNKS = 1000;

export interface AppFiles {
  effectsFile: string;
  journalFile: string;
  /** The broken app variant of the real target (option effect-twice): every effect twice. */
  effectTwice: boolean;
}

/** What the worker gives the app: the CGI variables, the body (read on demand) and a response sink. */
export interface AppRequest {
  vars: Record<string, string>;
  /** Reads the whole body (CONTENT_LENGTH bytes, or fewer if the peer stops) and returns its length. */
  readBody(): Promise<number>;
}

export interface AppResponse {
  status: string;
  headers: [string, string][];
  /** Body chunks; a chunk may first wait (stream gaps). */
  body: AsyncIterable<string>;
}

/** One write(2) on an O_APPEND descriptor: the line is whole even if the worker dies next. */
export const appendLine = (file: string, line: string) => appendFileSync(file, `${line}\n`, { flag: 'a' });

function readLines(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => l.trim().split(/\s+/));
  } catch {
    return [];
  }
}

/** parse_qs + int(): first non-blank value, clamped; non-integers fall back to the default. */
function intParam(query: URLSearchParams, name: string, dflt: number, upper: number): number {
  const raw = query.getAll(name).find((v) => v !== '');
  const value = raw !== undefined && /^\s*[+-]?\d+\s*$/.test(raw) ? Number.parseInt(raw, 10) : dflt;
  return Math.max(0, Math.min(value, upper));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function* once(text: string): AsyncIterable<string> {
  yield text;
}

async function* stream(chunks: number, gap: number): AsyncIterable<string> {
  for (let i = 0; i < chunks; i++) {
    if (i) await sleep(gap);
    yield `chunk ${i}\n`;
  }
}

/** JSON {effects: {rid: count}, started: {rid: [pid, t_ms]}, pid}, as app.py's effects_report. */
export function effectsReport(files: AppFiles): string {
  const effects: Record<string, number> = {};
  for (const f of readLines(files.effectsFile)) effects[f[0]] = (effects[f[0]] ?? 0) + 1;
  const started: Record<string, [number, number]> = {};
  for (const f of readLines(files.journalFile)) if (f.length === 3) started[f[0]] = [Number(f[1]), Number(f[2])];
  return JSON.stringify({ effects, started, pid: process.pid });
}

/** The request id as app.py derives it: X-Request-Id, spaces → '_', at most 64 chars, else '-'. */
export const requestId = (vars: Record<string, string>) => (vars.HTTP_X_REQUEST_ID ?? '-').replace(/ /g, '_').slice(0, 64) || '-';

export function applyEffect(files: AppFiles, rid: string): void {
  appendLine(files.effectsFile, rid);
  if (files.effectTwice) appendLine(files.effectsFile, rid);
}

async function route(req: AppRequest, files: AppFiles, rid: string): Promise<{ status: string; ctype: string; body: AsyncIterable<string> }> {
  const path = req.vars.PATH_INFO || '/';
  const method = req.vars.REQUEST_METHOD || 'GET';
  const query = new URLSearchParams(req.vars.QUERY_STRING ?? '');
  const ok = (body: AsyncIterable<string>, ctype = 'text/plain') => ({ status: '200 OK', ctype, body });
  if (path === '/sleep') {
    const ms = intParam(query, 'ms', 0, MAX_SLEEP_MS);
    await sleep(ms);
    return ok(once(`slept ${ms}\n`));
  }
  if (path === '/stream') return ok(stream(intParam(query, 'chunks', 3, MAX_CHUNKS), intParam(query, 'gap_ms', 100, MAX_SLEEP_MS)));
  if (path === '/body' && method === 'POST') return ok(once(`${await req.readBody()}\n`));
  if (path === '/effect' && method === 'POST' && rid !== '-') {
    applyEffect(files, rid);
    return ok(once('done\n'));
  }
  if (path === '/effects') return ok(once(effectsReport(files)), 'application/json');
  if (path === '/health') return ok(once('ok\n'));
  return { status: '404 Not Found', ctype: 'text/plain', body: once('no such endpoint\n') };
}

/** The WSGI `application`: journals the start, routes, and names worker pid and request id. */
export async function application(req: AppRequest, files: AppFiles): Promise<AppResponse> {
  const rid = requestId(req.vars);
  if (rid !== '-') appendLine(files.journalFile, `${rid} ${process.pid} ${Date.now()}`);
  const { status, ctype, body } = await route(req, files, rid);
  return { status, headers: [['Content-Type', ctype], ['X-Worker-Pid', String(process.pid)], ['X-Request-Id', rid]], body };
}
