// The JSON shapes of Toxiproxy's HTTP API (proxy and toxic bodies, per-type toxic attributes), checked
// with zod so a malformed request gets Toxiproxy's 400 answer instead of half-applied state.
import { z } from 'zod';

export const TOXIC_TYPES = ['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data'] as const;
export type ToxicType = (typeof TOXIC_TYPES)[number];
export type Stream = 'upstream' | 'downstream';

const count = z.number().int().min(0);

/** Attributes of each toxic type; every attribute defaults to 0 like Toxiproxy's zero values. */
export const ATTRIBUTE_SCHEMAS = {
  latency: z.object({ latency: count.default(0), jitter: count.default(0) }),
  bandwidth: z.object({ rate: count.default(0) }),
  slow_close: z.object({ delay: count.default(0) }),
  timeout: z.object({ timeout: count.default(0) }),
  reset_peer: z.object({ timeout: count.default(0) }),
  slicer: z.object({ average_size: count.default(0), size_variation: count.default(0), delay: count.default(0) }),
  limit_data: z.object({ bytes: count.default(0) }),
} satisfies Record<ToxicType, z.ZodType>;

export type Attributes = Record<string, number>;

/** A toxic as the API shows it: same field names as Toxiproxy. */
export interface ToxicJson {
  name: string;
  type: ToxicType;
  stream: Stream;
  toxicity: number;
  attributes: Attributes;
}

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

export const ProxyCreateBody = z.object({
  name: z.string().min(1, 'missing required field: name'),
  listen: z.string().default('127.0.0.1:0'),
  upstream: z.string().min(1, 'missing required field: upstream'),
  enabled: z.boolean().default(true),
});
export type ProxyCreate = z.infer<typeof ProxyCreateBody>;

export const ProxyUpdateBody = z.object({
  listen: z.string().optional(),
  upstream: z.string().optional(),
  enabled: z.boolean().optional(),
});
export type ProxyUpdate = z.infer<typeof ProxyUpdateBody>;

export const PopulateBody = z.array(ProxyCreateBody);

const toxicity = z.number().min(0).max(1);
const stream = z.enum(['upstream', 'downstream'], { error: 'stream was invalid, can be either upstream or downstream' });

export const ToxicCreateBody = z.object({
  name: z.string().min(1).optional(),
  type: z.enum(TOXIC_TYPES, { error: 'invalid toxic type' }),
  stream: stream.default('downstream'),
  toxicity: toxicity.default(1),
  attributes: z.record(z.string(), z.unknown()).default({}),
});

export const ToxicUpdateBody = z.object({
  toxicity: toxicity.optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
});
export type ToxicUpdate = z.infer<typeof ToxicUpdateBody>;

/** One line naming what was wrong with a body, for the API's `error` field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
