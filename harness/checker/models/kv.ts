// A key-value store of strings: get, put v, append v, per key. Keys are independent, so the model
// partitions the history by key (P-compositionality) and each search sees one key's string.
// A missing key reads as "" (nil is accepted for it), as in the Porcupine/Jepsen kv tests.
// A state carries its hash, extended incrementally on append (FNV-1a is sequential), so the search
// never rehashes a long value.
import type { Model } from './model.ts';
import { ILLEGAL, UNKNOWN, byKey } from './model.ts';
import { expectFunction, show } from './values.ts';

export interface KvInput { f: 'get' | 'put' | 'append'; value: string; hash: number }
interface KvState { text: string; hash: number }

const FNV_OFFSET = 0x811c9dc5 | 0;
const extend = (h: number, s: string): number => {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
};
const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

export const kv: Model<KvState, KvInput, string> = {
  name: 'kv',
  description: 'get / put v / append v on string values, checked per key',
  init: () => ({ text: '', hash: FNV_OFFSET }),
  prepare(op) {
    expectFunction(op, ['get', 'put', 'append'], 'kv');
    if (op.f === 'get') return { input: { f: 'get', value: '', hash: 0 }, output: text(op.value) };
    const v = text(op.invokeValue);
    return { input: { f: op.f as 'put' | 'append', value: v, hash: extend(FNV_OFFSET, v) }, output: v };
  },
  step(state, input, output) {
    if (input.f === 'put') return { ok: true, state: { text: input.value, hash: input.hash } };
    if (input.f === 'append') return { ok: true, state: { text: state.text + input.value, hash: extend(state.hash, input.value) } };
    return output === UNKNOWN || output === state.text ? { ok: true, state } : ILLEGAL;
  },
  hash: (state) => state.hash,
  equal: (a, b) => a.hash === b.hash && a.text === b.text,
  readOnly: (input) => input.f === 'get',
  partitionKey: byKey,
  describeOp(input, output) {
    if (input.f === 'get') return `get → ${output === UNKNOWN ? '?' : show(output)}`;
    return `${input.f} ${show(input.value)}`;
  },
  describeState: (state) => show(state.text),
};
