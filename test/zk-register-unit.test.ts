// The pure parts of the register workload on hand-made histories: keys are independent registers
// for the linearizability check, recovery times are measured from the fault records, and bad
// workload options are refused with a clear message.
import assert from 'node:assert/strict';
import { checkLinearizability } from '../harness/checker/linearizability.ts';
import { checkRecovery, measureRecovery } from '../harness/checker/recovery.ts';
import { UsageError } from '../harness/errors.ts';
import { NEMESIS, type Op } from '../harness/history/op.ts';
import { registerOptions, registerWorkload } from '../harness/workloads/register.ts';

let index = 0;
const op = (time: number, process: number | string, type: Op['type'], f: string, value: unknown, key?: string): Op =>
  ({ index: index++, time, process, type, f, value, ...(key ? { key } : {}) });
const fault = (time: number, f: 'fault-start' | 'fault-end', id: string, name = 'partition-leader'): Op =>
  op(time, NEMESIS, 'event', f, { fault: name, id, targets: ['n1'] });

describe('register workload (unit)', () => {
  beforeEach(() => (index = 0));

  it('checks each key as its own register', () => {
    // k0 holds 1 and k1 holds 2: linearizable per key, impossible if both were one register
    const h = [
      op(0, 0, 'invoke', 'write', 1, 'k0'), op(1, 0, 'ok', 'write', 1, 'k0'),
      op(2, 1, 'invoke', 'write', 2, 'k1'), op(3, 1, 'ok', 'write', 2, 'k1'),
      op(4, 2, 'invoke', 'read', null, 'k0'), op(5, 2, 'ok', 'read', 1, 'k0'),
    ];
    assert.equal(checkLinearizability('cas-register', h).valid, true);
    const oneRegister = h.map(({ key: _key, ...rest }) => rest);
    assert.equal(checkLinearizability('cas-register', oneRegister).valid, false);
    const stale = [...h, op(6, 2, 'invoke', 'read', null, 'k1'), op(7, 2, 'ok', 'read', null, 'k1')];
    const r = checkLinearizability('cas-register', stale);
    assert.equal(r.valid, false);
    assert.match(r.summary, /key "k1"/);
  });

  it('measures the first ok write after each fault and how much succeeded during and after it', () => {
    const h = [
      op(0, 0, 'invoke', 'write', 1, 'k0'), op(5, 0, 'ok', 'write', 1, 'k0'),
      fault(100, 'fault-start', '0'),
      op(110, 0, 'invoke', 'write', 2, 'k0'), op(3100, 0, 'info', 'write', 2, 'k0'),
      op(150, 1, 'invoke', 'read', null, 'k0'), op(160, 1, 'ok', 'read', 1, 'k0'),
      op(3000, 2, 'invoke', 'cas', [1, 3], 'k0'), op(3400, 2, 'ok', 'cas', [1, 3], 'k0'),
      fault(5000, 'fault-end', '0'),
      op(5100, 2, 'invoke', 'write', 4, 'k0'), op(5120, 2, 'ok', 'write', 4, 'k0'),
    ].sort((a, b) => a.time - b.time).map((o, i) => ({ ...o, index: i }));
    const m = measureRecovery(h);
    assert.equal(m.faults.length, 1);
    assert.equal(m.faults[0].firstOkWriteMs, 3300);
    assert.equal(m.faults[0].okDuring, 2);
    assert.equal(m.faults[0].okAfter, 1);
    assert.equal(checkRecovery(h).valid, true);
    assert.match(checkRecovery(h).summary, /partition-leader 3\.3 s/);
  });

  it('calls a run that never serves again after its last fault a failure to recover', () => {
    const h = [
      op(0, 0, 'invoke', 'write', 1, 'k0'), op(5, 0, 'ok', 'write', 1, 'k0'),
      fault(100, 'fault-start', '0', 'kill'), fault(2000, 'fault-end', '0', 'kill'),
      op(2100, 0, 'invoke', 'write', 2, 'k0'), op(4100, 0, 'info', 'write', 2, 'k0'),
    ];
    const r = checkRecovery(h);
    assert.equal(r.valid, false);
    assert.match(r.summary, /did not recover/);
  });

  it('refuses an unknown read mode and picks the checker per mode', () => {
    assert.throws(() => registerOptions({ readMode: 'eventual' }), UsageError);
    assert.throws(() => registerOptions({ keys: 'three' }), /keys must be a positive integer/);
    assert.deepEqual(registerWorkload({ readMode: 'plain' }).checkers.map((c) => c.name), ['sequential', 'recovery']);
    assert.deepEqual(registerWorkload({}).checkers.map((c) => c.name), ['linearizable', 'recovery']);
    assert.deepEqual(registerWorkload({ readMode: 'cached' }).checkers.map((c) => c.name), ['linearizable', 'recovery']);
  });
});
