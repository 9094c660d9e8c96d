// The docker runtime on a real engine: containers from the fl- images on the run's own network,
// listeners reached from the harness through mapped loopback ports and from other containers by
// alias, iptables partitions that cut node-to-node traffic and heal, SIGKILL and SIGSTOP of a daemon,
// a failed start that removes what it started, and cleanups — normal and after a harness was
// SIGKILLed — that leave no container, network or volume of the run. Needs the engine and images of
// docker/setup.sh; skipped, saying why, when they are not there (a failure with FL_REQUIRE_DOCKER=1).
// The runtime is imported dynamically (its testcontainers loader uses top-level await), so errors are
// told apart by name, not class.
import assert from 'node:assert/strict';
import { readFileSync, existsSync, rmSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { Cleanup } from '../harness/cleanup.ts';
import { imageFor, WEB_IMAGE, ZOOKEEPER_IMAGE } from '../harness/runtime/docker/images.ts';
import { pidAlive, waitFor } from '../harness/runtime/process.ts';
import type { Host, HostProcess, RuntimeFactory } from '../harness/runtime/types.ts';
import type { DockerRuntime, DockerRuntimeOptions } from '../harness/runtime/docker/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
type DockerFactory = RuntimeFactory & { create(o: DockerRuntimeOptions): Promise<DockerRuntime>; clean(log: (l: string) => void, o?: { all?: boolean }): Promise<void> };

/** Sends one line to a listener; true once the peer took it and closed, false on any error. */
function send(ep: { host: string; port: number }, line: string, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(ep);
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error('timeout')));
    sock.once('connect', () => sock.end(`${line}\n`));
    sock.once('error', () => resolve(false));
    sock.once('close', (hadError) => resolve(!hadError));
    sock.resume();
  });
}

/** From inside `from`: one line to `to`'s port 2181 by alias; the exit code of nc (0 = delivered). */
async function sendFrom(from: Host, to: Host, line: string): Promise<number> {
  const ep = await to.peerEndpoint(from, 2181);
  const r = await from.exec('sh', ['-c', `echo "$1" | nc -N -w 2 "$2" "$3"`, 'sh', line, ep.host, String(ep.port)], { timeoutMs: 10_000 });
  return r.code;
}

const logHas = (proc: HostProcess, text: string) => existsSync(proc.logFile) && readFileSync(proc.logFile, 'utf8').includes(text);

/** Containers, networks and volumes labelled with `label=value`. */
async function labelled(label: string, value: string): Promise<string[]> {
  const { engine } = await import('../harness/runtime/docker/engine.ts');
  const docker = (await engine()).container.dockerode;
  const filters = { label: [`${label}=${value}`] };
  const containers = (await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]}`);
  const networks = (await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`);
  const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`);
  return [...containers, ...networks, ...volumes];
}

describe('docker runtime images', () => {
  it('runs web-stack hosts from fl-web and the rest from fl-zookeeper, unless told otherwise', () => {
    assert.equal(imageFor('nginx'), WEB_IMAGE);
    assert.equal(imageFor('app'), WEB_IMAGE);
    assert.equal(imageFor('n1'), ZOOKEEPER_IMAGE);
    assert.deepEqual(imageFor('n1', { n1: 'fl-web:1' }), WEB_IMAGE);
    assert.deepEqual(imageFor('x', { x: 'fl-other:2' }), { image: 'fl-other:2', ports: [] });
  });
});

describe('docker runtime @integration', function () {
  this.timeout(180_000);
  let factory: DockerFactory;
  let logDir: string;
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);

  before(async function () {
    factory = (await import('../harness/runtime/docker/index.ts')).default as DockerFactory;
    const why = await factory.unavailable();
    if (why) {
      // CI sets FL_REQUIRE_DOCKER=1 after docker/setup.sh: there a missing engine is a failure, not a skip
      if (process.env.FL_REQUIRE_DOCKER) throw new Error(`docker runtime unavailable although FL_REQUIRE_DOCKER is set: ${why}`);
      console.log(`      skipped: docker runtime unavailable: ${why}`);
      this.skip();
    }
    logDir = mkdtempSync(path.join(tmpdir(), 'fl-test-docker-'));
  });
  after(() => logDir && rmSync(logDir, { recursive: true, force: true }));

  it('3 hosts: listeners reached by mapped port and by alias, partition and heal, kill and pause, nothing left after cleanup', async () => {
    const cleanup = new Cleanup();
    let runId = '';
    try {
      const t0 = performance.now();
      const rt = await factory.create({ hosts: ['n1', 'n2', 'n3'], logDir, cleanup, log });
      console.log(`      created 3 containers in ${Math.round(performance.now() - t0)} ms`);
      runId = rt.runId;
      assert.equal(rt.kind, 'docker');
      assert.deepEqual(rt.hosts.map((h) => h.name), ['n1', 'n2', 'n3']);
      for (const h of rt.hosts) assert.match(h.address, /^10\.77\.\d+\.\d+$/);
      assert.equal((await labelled('faultline.run', runId)).filter((x) => x.startsWith('container')).length, 3);

      // exec: stdin in, output and exit code back, in the host's folder (shared with the harness); deadlines kill
      const [h1] = rt.hosts;
      const r = await h1.exec('sh', ['-c', 'cat > conf; tr a-z A-Z < conf; echo oops >&2; exit 3'], { input: 'quorum\n' });
      assert.deepEqual(r, { code: 3, stdout: 'QUORUM\n', stderr: 'oops\n' });
      assert.equal(readFileSync(path.join(h1.dir, 'conf'), 'utf8'), 'quorum\n');
      const t1 = performance.now();
      await assert.rejects(h1.exec('sleep', ['30'], { timeoutMs: 500 }), /timed out after 0\.5s running sleep 30/);
      assert.ok(performance.now() - t1 < 5000);
      const sleeps = (await h1.exec('ps', ['-e', '-o', 'comm='])).stdout.split('\n').filter((c) => c.trim() === 'sleep');
      assert.equal(sleeps.length, 1, 'the timed-out sleep was killed; only the init\'s own is left');

      // the repo and this Node are there at their own paths: a TypeScript daemon could run inside
      const script = 'import { HarnessError } from "./harness/errors.ts"; console.log(new HarnessError("x").name)';
      const node = await h1.exec('sh', ['-c', 'cd "$1" && "$2" --import tsx --input-type=module -e "$3"', 'sh', ROOT, process.execPath, script], { timeoutMs: 30_000 });
      assert.equal(node.stdout.trim(), 'HarnessError', node.stderr);

      // a listener per host, its output in the run's log folder
      const procs = await Promise.all(rt.hosts.map((h) => h.spawn({ name: 'listener', command: 'nc', args: ['-lk', '2181'] })));
      const [n1, n2, n3] = rt.hosts;
      for (const [i, h] of rt.hosts.entries()) {
        const ep = await h.endpoint(2181);
        assert.equal(ep.host, '127.0.0.1', 'a published port is reached through its loopback mapping');
        await waitFor(`the harness to reach ${h.name}`, 10_000, async () => (await send(ep, `harness-to-${h.name}`)) && logHas(procs[i], `harness-to-${h.name}`), 200);
      }
      // a port no image publishes: reached at the node's own 10.77 address through the network's gateway
      const other = await n1.spawn({ name: 'unpublished', command: 'nc', args: ['-lk', '9999'] });
      assert.deepEqual(await n1.endpoint(9999), { host: n1.address, port: 9999 });
      await waitFor('the harness to reach n1:9999 directly', 10_000, async () => (await send(await n1.endpoint(9999), 'direct')) && logHas(other, 'direct'), 200);
      // container to container, by alias
      await waitFor('n2 to reach n1 by alias', 10_000, async () => (await sendFrom(n2, n1, 'n2-to-n1')) === 0 && logHas(procs[0], 'n2-to-n1'), 200);

      // n1 drops n2: n2 -> n1 is cut, n3 -> n1 and the harness -> n1 still go through
      await rt.network.partition({ n1: ['n2'] });
      assert.notEqual(await sendFrom(n2, n1, 'cut-n2-to-n1'), 0);
      assert.equal(await sendFrom(n3, n1, 'n3-to-n1'), 0);
      assert.ok(await send(await n1.endpoint(2181), 'harness-during-partition'));
      assert.equal(logHas(procs[0], 'cut-n2-to-n1'), false);
      await rt.network.heal();
      assert.equal(await sendFrom(n2, n1, 'healed-n2-to-n1'), 0);
      await waitFor('n1 to log the healed line', 5000, () => logHas(procs[0], 'healed-n2-to-n1'), 100);

      // SIGSTOP: the daemon stops reading until SIGCONT
      await procs[2].pause();
      assert.match(readFileSync(`/proc/${procs[2].pid}/stat`, 'utf8'), /\) T /);
      assert.equal(await sendFrom(n1, n3, 'while-paused'), 0); // the kernel still accepts the connection
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(logHas(procs[2], 'while-paused'), false);
      await procs[2].resume();
      await waitFor('n3 to read what arrived while it was paused', 5000, () => logHas(procs[2], 'while-paused'), 100);

      // SIGKILL: the daemon is gone, the container stays, peers are refused
      await procs[1].signal('SIGKILL');
      assert.deepEqual(await procs[1].waitExit(5000), { code: null, signal: 'SIGKILL' });
      assert.equal(pidAlive(procs[1].pid), false);
      assert.notEqual(await sendFrom(n1, n2, 'to-the-dead'), 0);
      const again = await n2.spawn({ name: 'listener2', command: 'nc', args: ['-lk', '2181'] });
      await waitFor('n1 to reach the restarted listener on n2', 10_000, async () => (await sendFrom(n1, n2, 'after-restart')) === 0 && logHas(again, 'after-restart'), 200);
    } finally {
      const errors = await cleanup.runAll();
      assert.deepEqual(errors, []);
    }
    assert.deepEqual(await labelled('faultline.run', runId), []);
    assert.equal(existsSync(`/tmp/fl-${runId}`), false);
  });

  it('refuses a missing image with the set-up hint instead of pulling it', async () => {
    const cleanup = new Cleanup();
    await assert.rejects(
      factory.create({ hosts: ['n1'], images: { n1: 'fl-missing:0' }, logDir, cleanup, log }),
      (err: Error) => err.name === 'HarnessError' && /fl-missing:0 is missing; run `bash docker\/setup\.sh`/.test(err.message),
    );
    assert.deepEqual(await cleanup.runAll(), []);
  });

  it('a host that never gets ready fails the start with the original error and removes every container already started', async () => {
    const cleanup = new Cleanup();
    // the bare base image has no iptables, so its readiness check can never pass
    await assert.rejects(
      factory.create({ hosts: ['n1', 'n2'], images: { n2: 'fl-debian:bookworm' }, readyTimeoutMs: 3000, logDir, cleanup, log }),
      (err: Error) => err.name === 'HarnessError' && /container fl-[0-9a-f]{4}-n2 \(fl-debian:bookworm\) did not start .*: Shell command "iptables -w 5 -S INPUT" not successful after 3000ms/.test(err.message),
    );
    assert.deepEqual(await cleanup.runAll(), []);
    assert.deepEqual(await labelled('faultline.owner-pid', String(process.pid)), []);
  });

  it('faultline clean leaves the containers of a run whose harness is alive alone', async () => {
    const cleanup = new Cleanup();
    try {
      const rt = await factory.create({ hosts: ['app'], logDir, cleanup, log });
      const cleaned: string[] = [];
      await factory.clean((l) => cleaned.push(l));
      assert.ok(cleaned.some((l) => l.includes(`run ${rt.runId} is still running`) && l.includes('left alone')), cleaned.join('\n'));
      assert.equal((await labelled('faultline.run', rt.runId)).length, 2, 'its container and network are still there');
      assert.equal((await rt.host('app').exec('true', [])).code, 0);
    } finally {
      assert.deepEqual(await cleanup.runAll(), []);
    }
  });

  /** A harness in a child process with a 2-host docker run and a daemon in it, cleaning up on signals. */
  async function childHarness(): Promise<{ child: ReturnType<typeof spawn>; runId: string; exited: Promise<number | null> }> {
    const code = [
      `import factory from '${ROOT}/harness/runtime/docker/index.ts';`,
      `import { Cleanup, cleanupOnSignals } from '${ROOT}/harness/cleanup.ts';`,
      `const cleanup = new Cleanup();`,
      `cleanupOnSignals(cleanup);`,
      `const rt = await factory.create({ hosts: ['n1', 'n2'], logDir: '${logDir}', cleanup, log: () => {} });`,
      `await rt.hosts[0].spawn({ name: 'listener', command: 'nc', args: ['-lk', '2181'] });`,
      `console.log('ready', rt.runId);`,
      `setTimeout(() => process.exit(3), 60_000);`,
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const runId = await waitFor('the child harness to create its runtime', 60_000, () => /ready ([0-9a-f]{4})/.exec(out)?.[1] ?? (child.exitCode !== null ? Promise.reject(new Error(out)) : undefined), 100);
    return { child, runId, exited };
  }

  it('a harness stopped by SIGTERM removes its containers and network before it exits', async () => {
    const { child, runId, exited } = await childHarness();
    assert.equal((await labelled('faultline.run', runId)).length, 3);
    child.kill('SIGTERM');
    assert.equal(await exited, 143);
    assert.deepEqual(await labelled('faultline.run', runId), []);
    assert.equal(existsSync(`/tmp/fl-${runId}`), false);
  });

  it('faultline clean removes the containers and network of a harness that was SIGKILLed mid-run', async () => {
    const { child, runId, exited } = await childHarness();
    child.kill('SIGKILL');
    await exited;
    assert.equal((await labelled('faultline.run', runId)).length, 3, 'the killed harness left its 2 containers and its network');

    const cleaned: string[] = [];
    await factory.clean((l) => cleaned.push(l));
    assert.deepEqual(await labelled('faultline.run', runId), []);
    assert.ok(cleaned.some((l) => l.includes(`container fl-${runId}-n1`)), cleaned.join('\n'));
    assert.ok(cleaned.some((l) => l.includes(`network fl-${runId}`)), cleaned.join('\n'));
    assert.equal(existsSync(`/tmp/fl-${runId}`), false);
  });
});
