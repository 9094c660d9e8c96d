// A register with compare-and-set: read, write v, cas [old new]. This is the etcd/ZooKeeper model:
// a versioned setData is a cas. A cas that completed `fail` never took effect and is dropped before
// the search; an `ok` or unknown cas took effect only if the register held `old`.
import type { Model } from './model.ts';
import { ILLEGAL, UNKNOWN, byKey } from './model.ts';
import { canonical, expectFunction, hashValue, show } from './values.ts';

type Value = null | number | string | boolean;
export type CasInput = { f: 'read'; value: null } | { f: 'write'; value: Value } | { f: 'cas'; from: Value; to: Value };

export const casRegister: Model<Value, CasInput, Value> = {
  name: 'cas-register',
  description: 'read / write v / cas [old new] on one register (initially nil)',
  init: () => null,
  prepare(op) {
    expectFunction(op, ['read', 'write', 'cas'], 'cas-register');
    if (op.f === 'write') { const v = canonical(op.invokeValue); return { input: { f: 'write', value: v }, output: v }; }
    if (op.f === 'read') return { input: { f: 'read', value: null }, output: canonical(op.value) };
    const pair = op.invokeValue;
    if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`cas needs a value [old new], got ${show(pair)}`);
    return { input: { f: 'cas', from: canonical(pair[0]), to: canonical(pair[1]) }, output: null };
  },
  step(state, input, output) {
    switch (input.f) {
      case 'write': return { ok: true, state: input.value };
      case 'cas': return state === input.from ? { ok: true, state: input.to } : ILLEGAL;
      default: return output === UNKNOWN || output === state ? { ok: true, state } : ILLEGAL;
    }
  },
  hash: hashValue,
  equal: (a, b) => a === b,
  readOnly: (input) => input.f === 'read',
  partitionKey: byKey,
  describeOp(input, output) {
    if (input.f === 'write') return `write ${show(input.value)}`;
    if (input.f === 'cas') return `cas ${show(input.from)}→${show(input.to)}`;
    return `read → ${output === UNKNOWN ? '?' : show(output)}`;
  },
  describeState: (state) => show(state),
};
