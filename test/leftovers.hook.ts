// Root hook, loaded before every suite (`mocha --file`): after the whole test run, nothing of ours may
// be left on the machine — no fl- namespace, veth, iptables rule, run ledger, ZooKeeper/uWSGI/nginx
// process, or container/network/volume of ours. On CI the machine is ours alone, so every fl- thing
// counts; on a shared development machine only what this test process owned is checked (other
// people's live runs are not leftovers).
import assert from 'node:assert/strict';
import { Ledger, taggedProcesses } from '../harness/runtime/ledger.ts';
import { leftoversOf } from '../harness/runtime/netns/leftovers.ts';
import { runCommand } from '../harness/runtime/process.ts';

const DAEMONS = /QuorumPeerMain|uwsgi|nginx: master|targets\/zk-lite\/main\.ts|targets\/uwsgi-lite\/|recipes\/member\.ts/;

async function daemonsAlive(): Promise<string[]> {
  const ps = await runCommand('ps', ['-eo', 'pid=,ppid=,args='], { timeoutMs: 10_000 });
  return ps.stdout.split('\n').filter((l) => DAEMONS.test(l) && !l.includes('ps -eo')).map((l) => `process ${l.trim().slice(0, 160)}`);
}

async function dockerOfOurs(everything: boolean): Promise<string[]> {
  try {
    const factory = (await import('../harness/runtime/docker/index.ts')).default;
    if (await factory.unavailable()) return [];
    const { engine, LABEL } = await import('../harness/runtime/docker/engine.ts');
    const docker = (await engine()).container.dockerode;
    const filters = { label: [everything ? LABEL.run : `${LABEL.ownerPid}=${process.pid}`] };
    return [
      ...(await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]}`),
      ...(await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`),
      ...((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`),
    ];
  } catch {
    return [];
  }
}

after(async function () {
  this.timeout(60_000);
  const everything = Boolean(process.env.CI);
  const ledgers = Ledger.list().filter(({ data }) => everything || data.ownerPid === process.pid).map(({ file }) => `ledger ${file}`);
  const found = [
    ...ledgers,
    ...(everything && process.getuid?.() === 0 ? await leftoversOf() : []),
    ...(everything ? await daemonsAlive() : []),
    ...(everything ? taggedProcesses().map((p) => `process ${p.pid} tagged by run ${p.runId}`) : []),
    ...(await dockerOfOurs(everything)),
  ];
  assert.deepEqual(found, [], `the test suite left these behind:\n${found.join('\n')}`);
});
