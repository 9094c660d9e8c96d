// Toxiproxy's HTTP API over a ProxyCollection: the same paths, methods, JSON field names, status codes
// and `{"error", "status"}` error bodies, so toxiproxy-node-client (or any Toxiproxy client) works
// against faultline's proxy unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
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
  // Like Toxiproxy: refuse browsers, so a web page cannot drive the proxy through the user's browser.
  if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) throw new ApiError(403, 'User agent not allowed');
  const path = new URL(req.url ?? '/', 'http://proxy').pathname.replace(/\/+$/, '') || '/';
  const candidates = routes.filter((r) => r.pattern.test(path));
  if (candidates.length === 0) throw new ApiError(404, `no such endpoint: ${path}`);
  const route = candidates.find((r) => r.method.split('|').includes(req.method ?? ''));
  if (!route) throw new ApiError(405, `method ${req.method} not allowed on ${path}`);
  const params = route.pattern.exec(path)!.slice(1).map((p) => decodeURIComponent(p));
  return route.handler(params, () => readJson(req));
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
