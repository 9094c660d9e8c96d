// The same scenarios on the container runtime: zk-register with a partition and a kill, and
// uwsgi-harakiri, must pass on `--runtime docker`; the same scenario, seed and schedule must give the
// same verdict on netns and docker; and nothing labelled with this test process as owner may be left
// in the engine afterwards. Needs docker/setup.sh (CI runs it and sets FL_REQUIRE_DOCKER=1).
import assert from 'node:assert/strict';
import path from 'node:path';
import type { PlannedFault } from '../harness/nemesis/types.ts';
import type { RuntimeFactory } from '../harness/runtime/types.ts';
import { runScenario } from '../harness/scenario/run.ts';
import { tempFolders } from './support/temp.ts';

async function ownedByUs(): Promise<string[]> {
  const { engine, LABEL } = await import('../harness/runtime/docker/engine.ts');
  const docker = (await engine()).container.dockerode;
  const filters = { label: [`${LABEL.ownerPid}=${process.pid}`] };
  const containers = (await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]}`);
  const networks = (await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`);
  const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`);
  return [...containers, ...networks, ...volumes];
}

describe('scenarios on the docker runtime @integration', function () {
  this.timeout(240_000);
  const folder = tempFolders('docker-scn');
  const out = () => path.join(folder(), 'store', 'scenario', 'run');

  before(async function () {
    const factory = (await import('../harness/runtime/docker/index.ts')).default as RuntimeFactory;
    const why = await factory.unavailable();
    if (why) {
      if (process.env.FL_REQUIRE_DOCKER) throw new Error(`docker runtime unavailable although FL_REQUIRE_DOCKER is set: ${why}`);
      console.log(`      skipped: docker runtime unavailable: ${why}`);
      this.skip();
    }
  });
  afterEach(async () => assert.deepEqual(await ownedByUs(), [], 'nothing of ours is left in the engine'));

  const zkSchedule: PlannedFault[] = [
    { kind: 'partition-halves', at: 1500, duration: 3500, pick: 0.4 },
    { kind: 'kill', at: 6000, duration: 2500, pick: 0.7 },
  ];

  it('zk-register with a partition and a kill passes on docker, with the same verdict as on netns', async () => {
    const docker = await runScenario({ scenario: 'zk-register', runtime: 'docker', seed: 21, timeLimit: 11, schedule: zkSchedule, out: out() });
    const kinds = docker.history.filter((o) => o.f === 'fault-start').map((o) => (o.value as { fault: string }).fault);
    assert.deepEqual(kinds, ['partition-halves', 'kill']);
    assert.equal(docker.result.valid, true, docker.result.summary);
    assert.ok(docker.history.filter((o) => o.type === 'ok').length > 50);
    const netns = await runScenario({ scenario: 'zk-register', runtime: 'netns', seed: 21, timeLimit: 11, schedule: zkSchedule, out: out() });
    assert.equal(netns.result.valid, docker.result.valid, `netns: ${netns.result.summary}`);
    console.log(`      zk-register start: docker ${docker.result.metrics?.runtimeStartMs}+${docker.result.metrics?.targetStartMs} ms, netns ${netns.result.metrics?.runtimeStartMs}+${netns.result.metrics?.targetStartMs} ms; ops/s docker ${docker.result.metrics?.opsPerSec}, netns ${netns.result.metrics?.opsPerSec}`);
  });

  it('uwsgi-harakiri passes on docker', async () => {
    const { result } = await runScenario({ scenario: 'uwsgi-harakiri', runtime: 'docker', seed: 7, timeLimit: 12, out: out() });
    assert.equal(result.valid, true, `${result.summary}\n${JSON.stringify(result.checks.map((c) => [c.checker, c.valid, c.summary]))}`);
  });
});
