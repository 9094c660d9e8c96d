// The JSONL reader's two ways to a valid line must agree: the plain structural test that spares a cold
// `faultline check` the loading of zod may only pass a line the zod schema accepts, and must make the
// same op of it; and it must pass every line the schema accepts (but the one documented exception),
// or a check would quietly pay for zod again. Rows are random JSON text with every field absent, of
// its type, at its boundaries (unsafe integers, 1e400 which parses to Infinity, empty strings) or of
// another type, then parsed as the reader parses them.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isPlainOpLine, opLineSchema, toOp } from '../harness/history/jsonl.ts';
import { parseHistory } from '../harness/history/load.ts';

const EDGES = ['null', 'true', '""', '"x"', '0', '-0', '-1', '1.5', '1e400', '-1e400', '9007199254740991', '9007199254740992', '[]', '{}', '[1,"a"]', '{"a":1}', '{"__proto__":{"x":1}}', '{"a":{"b":[null]}}'];
const json = fc.oneof(fc.constantFrom(...EDGES), fc.jsonValue().map((v) => JSON.stringify(v)));
/** Each field: mostly of its type (boundaries included), sometimes any JSON at all. */
const field = (typed: fc.Arbitrary<string>) => fc.oneof({ weight: 4, arbitrary: typed }, { weight: 1, arbitrary: json });
const FIELDS: Record<string, fc.Arbitrary<string>> = {
  index: field(fc.oneof(fc.nat().map(String), fc.constantFrom('-1', '1.5', '9007199254740992'))),
  time: field(fc.double({ noNaN: true, noDefaultInfinity: true }).map((t) => JSON.stringify(t))),
  process: field(fc.oneof(fc.integer().map(String), fc.string().map((s) => JSON.stringify(s)))),
  type: field(fc.constantFrom('"invoke"', '"ok"', '"fail"', '"info"', '"event"', '"OK"')),
  f: field(fc.oneof(fc.constantFrom('"read"', '"write"', '"cas"', '""'))),
  value: json,
  key: field(fc.oneof(fc.string().map((s) => JSON.stringify(s)), fc.integer().map(String))),
  error: json,
  node: field(fc.string().map((s) => JSON.stringify(s))),
  meta: field(fc.dictionary(fc.string(), fc.jsonValue()).map((m) => JSON.stringify(m))),
  extra: json,
};
const objectText = (r: Record<string, string | undefined>) => `{${Object.entries(r).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
/** A line as text: an object with the required fields or without some, or not an object at all. */
const line = fc.oneof(
  { weight: 8, arbitrary: fc.record(FIELDS, { requiredKeys: ['process', 'type', 'f'] }).map(objectText) },
  { weight: 1, arbitrary: fc.record(FIELDS, { requiredKeys: [] }).map(objectText) },
  { weight: 1, arbitrary: json },
);
/** Valid by construction: the required fields of their type, optional ones sometimes. */
const validLine = fc.record({
  process: fc.oneof(fc.nat().map(String), fc.constantFrom('"p1"', '"nemesis"')),
  type: fc.constantFrom('"invoke"', '"ok"', '"fail"', '"info"', '"event"'),
  f: fc.constantFrom('"read"', '"write"', '"cas"', '"start-partition"'),
  value: json,
  time: fc.double({ noNaN: true, noDefaultInfinity: true }).map((t) => JSON.stringify(t)),
  key: fc.oneof(fc.string().map((s) => JSON.stringify(s)), fc.integer().map(String)),
  meta: fc.dictionary(fc.string().filter((k) => k !== '__proto__'), fc.jsonValue()).map((m) => JSON.stringify(m)),
}, { requiredKeys: ['process', 'type', 'f'] }).map(objectText);

/** The one row the schema accepts that the plain test leaves to it: a meta with an own `__proto__` key. */
const protoMeta = (raw: unknown): boolean => {
  const meta = (raw as { meta?: unknown } | null)?.meta;
  return typeof meta === 'object' && meta !== null && Object.hasOwn(meta, '__proto__');
};

describe('history: JSONL lines without loading zod', () => {
  it('the plain test passes only lines the schema accepts, and the op made of them is the same', () => {
    let plain = 0, rejected = 0;
    fc.assert(fc.property(line, fc.nat(1000), (text, position) => {
      const raw: unknown = JSON.parse(text);
      const checked = opLineSchema().safeParse(raw);
      if (isPlainOpLine(raw)) {
        plain++;
        assert.ok(checked.success, `the plain test passed ${text}, which the schema rejects`);
        assert.deepEqual(toOp(raw, position), toOp(checked.data, position));
      } else {
        if (!checked.success) rejected++;
        assert.ok(!checked.success || protoMeta(raw), `the schema accepts ${text} but the plain test leaves it to zod`);
      }
    }), { numRuns: 3000 });
    assert.ok(plain > 150 && rejected > 150, `both kinds of line were drawn (${plain} plain, ${rejected} rejected)`);
  });

  it('every line valid by construction takes the plain way', () => {
    fc.assert(fc.property(validLine, (text) => {
      const raw: unknown = JSON.parse(text);
      assert.ok(opLineSchema().safeParse(raw).success, text);
      assert.ok(isPlainOpLine(raw), text);
    }), { numRuns: 2000 });
  });

  it('a file of such lines reads as ops in order; the first line the schema rejects is named with what is wrong', () => {
    const ok = '{"process":0,"type":"invoke","f":"write","value":1}\n{"process":0,"type":"ok","f":"write","value":1,"meta":{"__proto__":{"x":1}}}\n';
    const h = parseHistory(ok, 'h.jsonl');
    assert.deepEqual(h.ops.map((o) => [o.index, o.type, Object.hasOwn(o.meta ?? {}, '__proto__')]), [[0, 'invoke', false], [1, 'ok', false]]);
    assert.throws(() => parseHistory(`${ok}{"process":1.5,"type":"ok","f":"read"}\n`, 'h.jsonl'), /^UsageError: h\.jsonl:3: not a history op: process must be an integer or a non-empty string, got 1\.5$/);
  });
});
