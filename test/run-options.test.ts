// Options are checked before anything starts: every target's and every scenario's declared schema,
// --nodes, unknown keys (with the known ones listed), bad values and bug names, how user values reach
// the target and the workload, and which store a run folder belongs to.
import assert from 'node:assert/strict';
import path from 'node:path';
import { UsageError } from '../harness/errors.ts';
import { checkRunOptions } from '../harness/scenario/options.ts';
import { loadScenario, loadScenarios, loadTarget, ROOT, targetNames } from '../harness/scenario/registry.ts';
import { storeFor } from '../harness/scenario/run.ts';
import { defineScenario } from '../harness/scenario/types.ts';
import { parseTargetSpec } from '../harness/target.ts';
import { registerWorkload } from '../harness/workloads/register.ts';
import { zkLiteOptions } from '../targets/zk-lite/index.ts';

async function check(scenarioName: string, spec: string, nodes?: number) {
  const { name, options } = parseTargetSpec(spec);
  return checkRunOptions({ scenario: await loadScenario(scenarioName), target: await loadTarget(name), overrides: options, nodes });
}

const usage = (pattern: RegExp) => (err: unknown) => err instanceof UsageError && pattern.test(err.message) && !err.message.includes('\n');

describe('run options: checked against what the target and the scenario declare', () => {
  it('every scenario passes with every target it names, as written', async () => {
    let pairs = 0;
    for (const scenario of await loadScenarios()) {
      for (const spec of scenario.targets ?? [scenario.target]) {
        const checked = await check(scenario.name, spec);
        assert.ok((await loadTarget(parseTargetSpec(spec).name)).nodes.includes(checked.nodes), `${scenario.name} on ${spec}`);
        pairs++;
      }
    }
    assert.ok(pairs >= 50, String(pairs));
  });

  it('every target declares its node counts and its options next to its code', async () => {
    for (const name of await targetNames()) {
      const target = await loadTarget(name);
      assert.ok(target.nodes.length > 0, name);
      assert.ok(Object.keys(target.options.shape).length > 0, name);
      assert.doesNotThrow(() => target.options.parse({}), `${name}: every option has a default or is optional`);
    }
  });

  it('--nodes outside what the target runs with is a usage error', async () => {
    await assert.rejects(check('zk-register', 'zookeeper', 4), usage(/^zookeeper runs with 3 or 5 nodes, not 4 \(--nodes\)$/));
    await assert.rejects(check('uwsgi-harakiri', 'uwsgi-nginx', 3), usage(/^uwsgi-nginx runs with 2 nodes, not 3/));
    assert.equal((await check('zk-register', 'zk-lite', 5)).nodes, 5);
  });

  it('bug names are checked, given as bug=a,b or bare', async () => {
    await assert.rejects(check('zk-register', 'zk-lite:bug=nosuch'), usage(/^zk-lite option bug="nosuch": no bug 'nosuch' \(known: stale-read, early-ack, /));
    await assert.rejects(check('uwsgi-recycling', 'uwsgi-lite:bug=nope'), usage(/no bug 'nope' \(known: harakiri-late, recycle-cuts/));
    await assert.rejects(check('uwsgi-recycling', 'uwsgi-lite:recycle-cuts,nope'), usage(/unknown option 'nope' \(uwsgi-lite options: .*recycle-cuts/));
    // `zk-lite:bug=stale-read,no-fsync` is bug=stale-read plus the bare name no-fsync: both switched on
    assert.deepEqual(zkLiteOptions((await check('zk-register', 'zk-lite:bug=stale-read,no-fsync')).targetOptions).bugs, ['no-fsync', 'stale-read']);
    assert.equal((await check('zk-register', 'zk-lite:early-ack')).targetOptions['early-ack'], true);
  });

  it('an unknown option is refused with the known ones of the target and of the scenario', async () => {
    await assert.rejects(check('zk-register', 'zookeeper:tickTim=100'), usage(/^--target zookeeper: unknown option 'tickTim' \(zookeeper options: tickTime, initLimit, syncLimit, heapMb, supervise; zk-register options: readMode, writes, keys, values, sessionTimeoutMs, callTimeoutMs, witnesses\)$/));
    await assert.rejects(check('uwsgi-recycling', 'uwsgi-nginx:max-request=3'), usage(/unknown option 'max-request' \(uwsgi-nginx options: socket, protocol, processes/));
  });

  it('values are checked for type and range, whether from the command line or the scenario', async () => {
    await assert.rejects(check('zk-register', 'zookeeper:tickTime=abc'), usage(/^zookeeper option tickTime="abc": must be a number$/));
    await assert.rejects(check('uwsgi-harakiri', 'uwsgi-nginx:harakiri=-1'), usage(/^uwsgi-nginx option harakiri="-1": must be at least 0$/));
    await assert.rejects(check('zk-queue', 'zk-lite:fifo=maybe'), usage(/^zk-queue workload option fifo="maybe": must be true or false$/));
    await assert.rejects(check('zk-register', 'zookeeper:readMode=eventual'), usage(/readMode="eventual": must be one of linearizable, plain, cached/));
    await assert.rejects(check('uwsgi-recycling', 'uwsgi-lite:socket=unix'), usage(/uwsgi-lite listens on TCP only/));
    const scenario = defineScenario({ name: 'fl-test', description: 't', target: 'zookeeper', timeLimit: 1, concurrency: 1, workload: registerWorkload, workloadOptions: { readMod: 'plain' } });
    const zookeeper = await loadTarget('zookeeper');
    assert.throws(() => checkRunOptions({ scenario, target: zookeeper, overrides: {} }), usage(/scenario fl-test sets workload option 'readMod', which its workload does not have \(known: readMode, /));
  });

  it('user values reach the target parsed and the workload coerced, named as declared', async () => {
    const uwsgi = await check('uwsgi-recycling', 'uwsgi-nginx:max-requests=30,expect-max-requests=12');
    assert.equal(uwsgi.targetOptions.maxRequests, 30);
    assert.equal(uwsgi.targetOptions.harakiri, 0, 'defaults filled in for the target');
    assert.equal(uwsgi.workloadOptions.maxRequests, 30, 'the checkers see what the stack was started with');
    assert.equal(uwsgi.workloadOptions.expectMaxRequests, 12);
    assert.equal(uwsgi.workloadOptions.minWorkerLifetime, 1, "the scenario's own target options stay");
    const queue = await check('zk-queue', 'zookeeper:fifo=true,producers=3');
    assert.equal(queue.workloadOptions.fifo, true, 'a command-line true is a boolean, not the string');
    assert.equal(queue.workloadOptions.producers, 3);
    assert.equal('fifo' in queue.targetOptions, false, 'workload options are not passed to the target');
  });
});

describe('run folders: the store a run belongs to', () => {
  it('the default store, the one given, a store two levels above --out, or none', () => {
    assert.equal(storeFor({}, path.join(ROOT, 'store', 'zk-register', 'r1')), path.join(ROOT, 'store'));
    assert.equal(storeFor({ out: '/x/store/s/r', store: '/x/store' }, '/x/store/s/r'), '/x/store');
    assert.equal(storeFor({ out: '/tmp/a/store/s/r' }, '/tmp/a/store/s/r'), '/tmp/a/store');
    assert.equal(storeFor({ out: '/tmp/fl-run-1' }, '/tmp/fl-run-1'), null, 'not / : a folder outside a store writes no index');
    assert.equal(storeFor({ out: '/tmp/work/x/run' }, '/tmp/work/x/run'), null);
  });
});
