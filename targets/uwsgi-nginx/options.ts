// The uwsgi-nginx target's settings: every seed option of uWSGI and nginx a scenario may set, parsed
// once with zod so a typo or a bad value (`harakiri=abc`) is a one-line usage error instead of a
// stack that silently runs with defaults. Keys may be written as uWSGI spells them (`max-requests`)
// or camelCase (`maxRequests`); `--target uwsgi-nginx:k=v` values arrive as strings and are coerced.
import { z } from 'zod';
import { UsageError } from '../../harness/errors.ts';

const bool = z.preprocess((v) => (v === 'true' || v === '1' || v === 'yes' ? true : v === 'false' || v === '0' || v === 'no' ? false : v), z.boolean());
const num = (min = 0) => z.coerce.number().min(min);
const int = (min = 0) => z.coerce.number().int().min(min);

/** `k=v;k2=v2` (CLI form) or an object → extra `uwsgi_param` lines for nginx. */
const params = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  return Object.fromEntries(v.split(';').filter(Boolean).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
}, z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().regex(/^[^;{}\n"]*$/)));

export const UwsgiNginxOptions = z.object({
  // uWSGI
  socket: z.enum(['tcp', 'unix']).default('tcp'),
  protocol: z.enum(['uwsgi', 'http']).default('uwsgi'),
  processes: int(1).max(64).default(2),
  master: bool.default(true),
  /** Seconds; 0 switches harakiri off. */
  harakiri: int(0).default(0),
  harakiriVerbose: bool.default(true),
  /** 0 switches recycling off. */
  maxRequests: int(0).default(0),
  /** Seconds; uWSGI's own default is 10, which hides recycling in short runs. */
  minWorkerLifetime: int(0).optional(),
  bufferSize: int(512).max(65535).default(4096),
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

const camel = (key: string) => key.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());

/** Normalises kebab-case keys (later keys win) and keeps only the keys this target knows, so the
 *  scenario's workload and checker options can travel in the same record. */
export function parseTargetOptions(raw: Record<string, unknown>): UwsgiNginxOptions {
  const known = new Set(Object.keys(UwsgiNginxOptions.shape));
  const picked: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (known.has(camel(k))) picked[camel(k)] = v;
  const parsed = UwsgiNginxOptions.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`uwsgi-nginx option ${issue.path.join('.') || '?'}: ${issue.message}`);
  }
  return parsed.data;
}

/** Picks an option by camelCase name from a record whose keys may be kebab-case (later keys win). */
export function optionValue(raw: Record<string, unknown>, name: string): unknown {
  let value: unknown;
  for (const [k, v] of Object.entries(raw)) if (camel(k) === name) value = v;
  return value;
}
