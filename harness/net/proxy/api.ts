// Toxiproxy's HTTP API over a ProxyCollection: the same paths, methods, JSON field names, status codes
// and `{"error", "status"}` error bodies, so toxiproxy-node-client (or any Toxiproxy client) works
// against faultline's proxy unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { isLoopback } from './address.ts';
import { ApiError } from './api-error.ts';
import type { ProxyCollection } from './collection.ts';
import { PopulateBody, ProxyCreateBody, ProxyUpdateBody, ToxicCreateBody, ToxicUpdateBody, describeIssues } from './schema.ts';

/** Reported by GET /version; major 2 tells clients this speaks Toxiproxy's 2.x API. */
export const VERSION = '2.0.0-faultline';

const MAX_BODY = 1 << 20;

interface Reply {
  status: number;
  body?: unknown;
}

type Handler = (params: string[], body: () => Promise<unknown>) => Promise<Reply>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

export function createApi(proxies: ProxyCollection, log: (line: string) => void) {
  const ok = (body: unknown): Reply => ({ status: 200, body });
  const routes: Route[] = [
    { method: 'GET', pattern: /^\/proxies$/, handler: async () => ok(Object.fromEntries(proxies.list().map((p) => [p.name, p.toJSON()]))) },
    {
      method: 'POST', pattern: /^\/proxies$/,
      handler: async (_p, body) => {
        const spec = parse(ProxyCreateBody, await body());
        return { status: 201, body: (await proxies.serial(() => proxies.create(spec))).toJSON() };
      },
    },
    {
      method: 'POST', pattern: /^\/populate$/,
      handler: async (_p, body) => {
        const specs = parse(PopulateBody, await body());
        const result = await proxies.serial(() => proxies.populate(specs));
        return { status: 201, body: { proxies: result.map((p) => p.toJSON()) } };
      },
    },
    { method: 'POST', pattern: /^\/reset$/, handler: async () => (await proxies.serial(() => proxies.reset()), { status: 204 }) },
    { method: 'GET', pattern: /^\/version$/, handler: async () => ok({ version: VERSION }) },
    { method: 'GET', pattern: /^\/proxies\/([^/]+)$/, handler: async ([name]) => ok(proxies.get(name).toJSON()) },
    {
      method: 'POST|PATCH', pattern: /^\/proxies\/([^/]+)$/,
      handler: async ([name], body) => {
        const change = parse(ProxyUpdateBody, await body());
        return ok((await proxies.serial(() => proxies.update(name, change))).toJSON());
      },
    },
    { method: 'DELETE', pattern: /^\/proxies\/([^/]+)$/, handler: async ([name]) => (await proxies.serial(() => proxies.remove(name)), { status: 204 }) },
    { method: 'GET', pattern: /^\/proxies\/([^/]+)\/toxics$/, handler: async ([name]) => ok(proxies.get(name).toxicList()) },
    {
      method: 'POST', pattern: /^\/proxies\/([^/]+)\/toxics$/,
      handler: async ([name], body) => {
        const spec = parse(ToxicCreateBody, await body());
        return ok((await proxies.serial(() => proxies.addToxic(name, spec))).toJSON());
      },
    },
    { method: 'GET', pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/, handler: async ([name, toxic]) => ok(proxies.get(name).getToxic(toxic).toJSON()) },
    {
      method: 'POST|PATCH', pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
      handler: async ([name, toxic], body) => {
        const change = parse(ToxicUpdateBody, await body());
        return ok((await proxies.serial(() => proxies.updateToxic(name, toxic, change))).toJSON());
      },
    },
    {
      method: 'DELETE', pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
      handler: async ([name, toxic]) => (await proxies.serial(() => proxies.get(name).removeToxic(toxic)), { status: 204 }),
    },
  ];

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const reply = await dispatch(routes, req).catch(toErrorReply);
    send(res, reply);
    log(`${req.method} ${req.url} ${reply.status} ${Date.now() - started}ms`);
  };
}

async function dispatch(routes: Route[], req: IncomingMessage): Promise<Reply> {
  refuseWebPages(req);
  const path = new URL(req.url ?? '/', 'http://proxy').pathname.replace(/\/+$/, '') || '/';
  const candidates = routes.filter((r) => r.pattern.test(path));
  if (candidates.length === 0) throw new ApiError(404, `no such endpoint: ${path}`);
  const route = candidates.find((r) => r.method.split('|').includes(req.method ?? ''));
  if (!route) throw new ApiError(405, `method ${req.method} not allowed on ${path}`);
  const params = route.pattern.exec(path)!.slice(1).map((p) => decodeURIComponent(p));
  return route.handler(params, () => readJson(req));
}

/**
 * A web page the user happens to open can send requests to a loopback port: a cross-site form or
 * fetch (which names the page in `Origin`, and whose body is a form or text/plain unless it asks
 * first), or a page on the attacker's own domain re-pointed at 127.0.0.1 by DNS rebinding (same-origin
 * to the browser, but its `Host` is the attacker's name). None of them may drive the API: the Host must
 * be a loopback address, a request that carries an Origin must come from the API's own origin, and a
 * request with a body must say it is JSON. Toxiproxy clients send none of these, and Content-Type:
 * application/json with every body. Like Toxiproxy, browser user agents are refused outright too.
 */
function refuseWebPages(req: IncomingMessage): void {
  if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) throw new ApiError(403, 'User agent not allowed');
  const host = req.headers.host;
  if (!host || !isLoopbackHost(host)) throw new ApiError(403, `Host ${host ?? '(none)'} is not a loopback address: the API answers only requests addressed to loopback`);
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) throw new ApiError(403, `requests from ${origin} are not allowed`);
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (hasBody && type !== 'application/json') throw new ApiError(415, `request body must be Content-Type: application/json, not ${type || 'untyped'}`);
}

/** `127.0.0.1:8474`, `localhost`, `[::1]:8474` (no other name, however it resolves). */
function isLoopbackHost(host: string): boolean {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(host.trim());
  const name = (m?.[1] ?? m?.[2] ?? '').toLowerCase();
  return name === 'localhost' || (name !== '' && isLoopback(name));
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new ApiError(413, 'bad request body: too large'));
      else chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text.trim() === '' ? {} : JSON.parse(text));
      } catch (err) {
        reject(new ApiError(400, `bad request body: ${(err as Error).message}`));
      }
    });
  });
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError(400, describeIssues(result.error));
  return result.data;
}

function toErrorReply(err: unknown): Reply {
  const apiError = err instanceof ApiError ? err : new ApiError(500, err instanceof Error ? err.message : String(err));
  return { status: apiError.status, body: apiError.toJSON() };
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
