// A read/write register: the simplest model, and the base the cas-register extends.
import type { Model } from './model.ts';
import { ILLEGAL, UNKNOWN, byKey } from './model.ts';
import { canonical, expectFunction, hashValue, show } from './values.ts';

type Value = null | number | string | boolean;
export interface RegisterInput { f: 'read' | 'write'; value: Value }

export const register: Model<Value, RegisterInput, Value> = {
  name: 'register',
  description: 'read / write v on one register (initially nil)',
  init: () => null,
  prepare(op) {
    expectFunction(op, ['read', 'write'], 'register');
    if (op.f === 'write') { const v = canonical(op.invokeValue); return { input: { f: 'write', value: v }, output: v }; }
    return { input: { f: 'read', value: null }, output: canonical(op.value) };
  },
  step(state, input, output) {
    if (input.f === 'write') return { ok: true, state: input.value };
    return output === UNKNOWN || output === state ? { ok: true, state } : ILLEGAL;
  },
  hash: hashValue,
  equal: (a, b) => a === b,
  readOnly: (input) => input.f === 'read',
  partitionKey: byKey,
  describeOp: (input, output) => (input.f === 'write' ? `write ${show(input.value)}` : `read → ${output === UNKNOWN ? '?' : show(output)}`),
  describeState: (state) => show(state),
};
