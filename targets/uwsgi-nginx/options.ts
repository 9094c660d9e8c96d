// The uwsgi-nginx target's settings: every seed option of uWSGI and nginx a scenario may set, one zod
// schema that the runner checks a run against before anything starts, so a typo or a bad value
// (`harakiri=abc`) is a one-line usage error instead of a stack that silently runs with defaults. Keys
// may be written as uWSGI spells them (`max-requests`) or camelCase (`maxRequests`); `--target
// uwsgi-nginx:k=v` values arrive as strings and are coerced.
import { z } from 'zod';
import { flag as bool, int, num, optionName, parseOptions } from '../../harness/options.ts';

/** `k=v;k2=v2` (CLI form) or an object → extra `uwsgi_param` lines for nginx. */
const params = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  return Object.fromEntries(v.split(';').filter(Boolean).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
}, z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().regex(/^[^;{}\n"]*$/)));

export const UwsgiNginxOptions = z.object({
  // uWSGI
  socket: z.enum(['tcp', 'unix']).default('tcp'),
  protocol: z.enum(['uwsgi', 'http']).default('uwsgi'),
  processes: int(1, 64).default(2),
  master: bool.default(true),
  /** Seconds; 0 switches harakiri off. */
  harakiri: int(0, 3600).default(0),
  harakiriVerbose: bool.default(true),
  /** 0 switches recycling off. */
  maxRequests: int(0).default(0),
  /** Seconds; uWSGI's own default is 10, which hides recycling in short runs. */
  minWorkerLifetime: int(0).optional(),
  bufferSize: int(512, 65535).default(4096),
  socketTimeout: int(1).default(4),
  /** The daemonized layout: uWSGI detaches and is tracked by its pidfile. */
  daemonize: bool.default(false),
  autoProcname: bool.default(false),
  logDate: z.string().default('%Y-%m-%dT%H:%M:%S'),
  /** uWSGI's clock source: 'unix' (its default: the wall clock) or 'monotonic' (clock_monotonic plugin). */
  clock: z.enum(['unix', 'monotonic']).default('unix'),
  /** The broken app variant: /effect performs its side effect twice. */
  effectTwice: bool.default(false),
  // nginx
  readTimeout: num(0.001).default(60),
  sendTimeout: num(0.001).default(60),
  connectTimeout: num(0.001).default(60),
  uwsgiParams: params.default({}),
  clientMaxBodyMb: int(1).default(16),
});

export type UwsgiNginxOptions = z.infer<typeof UwsgiNginxOptions>;

/** Normalises kebab-case keys (later keys win) and keeps only the keys this target knows, then parses. */
export function parseTargetOptions(raw: Record<string, unknown>): UwsgiNginxOptions {
  return parseOptions(UwsgiNginxOptions, pickKnown(UwsgiNginxOptions, raw), 'uwsgi-nginx');
}

/** The keys of `raw` that `schema` knows, named as it names them (later keys win). */
export function pickKnown(schema: z.ZodObject<z.ZodRawShape>, raw: Record<string, unknown>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const name = optionName(schema, k);
    if (name) picked[name] = v;
  }
  return picked;
}
