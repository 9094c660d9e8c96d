// zk-lite as a faultline target: one `node main.ts` process per host, configured with the very
// zoo.cfg the real ZooKeeper target writes (plus `bug=`), started and awaited the same way, with the
// same capabilities (kill, restart, pause, resume, leader), so every ZooKeeper scenario and fault
// runs on it unchanged. `--target zk-lite:bug=stale-read` (or `zk-lite:stale-read,early-ack`)
// switches bugs on; see BUGS.md.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Host, HostProcess } from '../../harness/runtime/types.ts';
import type { Target, TargetContext } from '../../harness/target.ts';
import { HarnessError, UsageError } from '../../harness/errors.ts';
import { ZkSession, type ZkCluster } from '../../harness/workloads/zk-client.ts';
import { zooCfg, type ServerLine } from '../zookeeper/config.ts';
import { serverState, type ServerState } from '../zookeeper/four-letter.ts';
import { pickLeader } from '../zookeeper/index.ts';
import { KNOWN_BUGS } from './config.ts';

const CLIENT_PORT = 2181;
const QUORUM_PORT = 2888;
const ELECTION_PORT = 3888;
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
/** tsx's loader by absolute URL, so the node process resolves it whatever its working directory. */
const TSX = import.meta.resolve('tsx');

interface ZkLiteOptions { tickTime: number; syncLimit: number; bugs: string[] }

/** Options: tickTime, syncLimit, bug=a,b (or bare bug names, as `zk-lite:stale-read` gives). */
export function zkLiteOptions(o: Record<string, unknown>): ZkLiteOptions {
  const num = (key: string, dflt: number) => {
    const v = o[key] === undefined ? dflt : Number(o[key]);
    if (!Number.isInteger(v) || v <= 0) throw new UsageError(`zk-lite option ${key} must be a positive integer, got '${String(o[key])}'`);
    return v;
  };
  const bugs = new Set(String(o.bug ?? '').split(',').map((b) => b.trim()).filter((b) => b !== ''));
  for (const key of Object.keys(o)) if ((KNOWN_BUGS as readonly string[]).includes(key) && String(o[key]) === 'true') bugs.add(key);
  for (const b of bugs) if (!(KNOWN_BUGS as readonly string[]).includes(b)) throw new UsageError(`zk-lite has no bug '${b}' (known: ${KNOWN_BUGS.join(', ')})`);
  return { tickTime: num('tickTime', 500), syncLimit: num('syncLimit', 5), bugs: [...bugs].sort() };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ZkLiteEnsemble implements ZkCluster {
  readonly target = 'zk-lite';
  readonly nodes: readonly string[];
  readonly metrics: Record<string, number> = {};
  private readonly procs = new Map<string, HostProcess>();
  private readonly hostsByName: Map<string, Host>;
  private stopped = false;

  constructor(private readonly ctx: TargetContext, readonly opts: ZkLiteOptions) {
    this.nodes = ctx.hosts.map((h) => h.name);
    this.hostsByName = new Map(ctx.hosts.map((h) => [h.name, h]));
  }

  private host(node: string): Host {
    const h = this.hostsByName.get(node);
    if (!h) throw new HarnessError(`zk-lite has no node '${node}' (nodes: ${this.nodes.join(', ')})`);
    return h;
  }

  private async serverLines(host: Host): Promise<ServerLine[]> {
    return Promise.all(this.ctx.hosts.map(async (peer, i): Promise<ServerLine> => {
      if (peer === host) return { id: i + 1, host: host.address, quorumPort: host.port(QUORUM_PORT), electionPort: host.port(ELECTION_PORT) };
      const q = await peer.peerEndpoint(host, QUORUM_PORT);
      return { id: i + 1, host: q.host, quorumPort: q.port, electionPort: host.port(ELECTION_PORT) };
    }));
  }

  /** Writes dataDir/myid and zoo.cfg (ZooKeeper's own format, plus the bug line). */
  async configure(host: Host): Promise<void> {
    const id = this.ctx.hosts.indexOf(host) + 1;
    let cfg = zooCfg({
      dataDir: `${host.dir}/data`, clientAddress: host.address, clientPort: host.port(CLIENT_PORT),
      servers: await this.serverLines(host), tickTime: this.opts.tickTime, initLimit: 10, syncLimit: this.opts.syncLimit,
    });
    if (this.opts.bugs.length > 0) cfg += `bug=${this.opts.bugs.join(',')}\n`;
    const script = 'mkdir -p "$1/data" && echo "$2" > "$1/data/myid" && cat > "$1/zoo.cfg"';
    const r = await host.exec('sh', ['-c', script, 'sh', host.dir, String(id)], { input: cfg, timeoutMs: 10_000 });
    if (r.code !== 0) throw new HarnessError(`could not write the zk-lite config on ${host.name}: ${r.stderr.trim()}`);
  }

  async launch(host: Host): Promise<void> {
    const proc = await host.spawn({
      name: 'zk-lite', command: process.execPath, cwd: REPO,
      args: ['--import', TSX, join(HERE, 'main.ts'), '--config', `${host.dir}/zoo.cfg`],
    });
    this.procs.set(host.name, proc);
    this.ctx.cleanup.add(`zk-lite on ${host.name} (pid ${proc.pid})`, () => proc.stop(1000));
  }

  private async states(timeoutMs: number): Promise<(ServerState | undefined)[]> {
    return Promise.all(this.ctx.hosts.map(async (h) => serverState(await h.endpoint(CLIENT_PORT), timeoutMs)));
  }

  private async awaitStates(what: string, ready: (s: (ServerState | undefined)[]) => boolean, timeoutMs: number, watched: readonly string[]): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let states: (ServerState | undefined)[] = [];
    while (performance.now() < deadline) {
      for (const node of watched) {
        const p = this.procs.get(node);
        if (p && !p.alive) throw new HarnessError(`zk-lite on ${node} exited during start-up; see ${p.logFile}`);
      }
      states = await this.states(500);
      if (ready(states)) return;
      await sleep(100);
    }
    const seen = this.nodes.map((n, i) => `${n}=${states[i]?.mode ?? 'not serving'}`).join(', ');
    throw new HarnessError(`zk-lite: ${what} did not happen within ${Math.round(timeoutMs / 1000)} s (last srvr answers: ${seen}; see the node logs)`);
  }

  /** One leader, every other node following, then a real create/delete through a client. */
  async awaitQuorum(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    await this.awaitStates('one leader with every other node following',
      (s) => s.filter((x) => x?.mode === 'leader').length === 1 && s.every((x) => x?.mode === 'leader' || x?.mode === 'follower'), timeoutMs, this.nodes);
    const left = () => Math.max(1000, deadline - performance.now());
    const session = await ZkSession.open({ connectString: await this.connectString(), connectTimeoutMs: left(), callTimeoutMs: left() });
    try {
      await session.delete(await session.create('/fl-ready-', '', 'ephemeralSequential'));
    } finally {
      session.close();
    }
  }

  async connectString(node?: string): Promise<string> {
    const hosts = node ? [this.host(node)] : this.ctx.hosts;
    const eps = await Promise.all(hosts.map((h) => h.endpoint(CLIENT_PORT)));
    return eps.map((e) => `${e.host}:${e.port}`).join(',');
  }

  async kill(node: string): Promise<void> {
    const p = this.procs.get(node);
    if (!p) throw new HarnessError(`zk-lite on ${node} was never started`);
    if (!p.alive) return;
    await p.signal('SIGKILL');
    await p.waitExit(10_000);
  }

  /** Starts a killed node again on its data dir (it replays its log) and waits until it serves. */
  async restart(node: string): Promise<void> {
    const host = this.host(node);
    if (this.procs.get(node)?.alive) throw new HarnessError(`zk-lite on ${node} is still running; kill it before restarting`);
    const t0 = performance.now();
    await this.launch(host);
    const i = this.nodes.indexOf(node);
    await this.awaitStates(`${node} serving again after restart`, (s) => s[i]?.mode === 'leader' || s[i]?.mode === 'follower', this.ctx.startTimeoutMs, [node]);
    this.ctx.log(`zk-lite: ${node} serving again ${Math.round(performance.now() - t0)} ms after restart`);
  }

  async pause(node: string): Promise<void> {
    await this.procs.get(node)?.pause();
  }

  async resume(node: string): Promise<void> {
    await this.procs.get(node)?.resume();
  }

  async leader(): Promise<string | undefined> {
    return pickLeader(this.nodes, await this.states(700));
  }

  processOf(node: string): HostProcess | undefined {
    return this.procs.get(node);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.procs.values()].map((p) => p.stop(1000)));
  }
}

const zkLite: Target<ZkLiteEnsemble> = {
  name: 'zk-lite',
  description: 'zk-lite: replicated ZooKeeper-protocol server in TypeScript (Raft), 3 or 5 nodes, tickTime 500, switchable bugs',
  hostNames(nodes) {
    if (nodes !== 3 && nodes !== 5) throw new UsageError(`zk-lite runs with 3 or 5 nodes, not ${nodes}`);
    return Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  },
  async start(ctx) {
    const ensemble = new ZkLiteEnsemble(ctx, zkLiteOptions(ctx.options));
    ctx.cleanup.add('zk-lite ensemble', () => ensemble.stop());
    await Promise.all(ctx.hosts.map((h) => ensemble.configure(h)));
    const t0 = performance.now();
    for (const h of ctx.hosts) await ensemble.launch(h);
    await ensemble.awaitQuorum(ctx.startTimeoutMs);
    ensemble.metrics.startMs = Math.round(performance.now() - t0);
    ctx.log(`zk-lite: ${ctx.hosts.length}-node quorum serving ${ensemble.metrics.startMs} ms after launch${ensemble.opts.bugs.length ? ` (bugs: ${ensemble.opts.bugs.join(',')})` : ''}`);
    return ensemble;
  },
};

export default zkLite;
