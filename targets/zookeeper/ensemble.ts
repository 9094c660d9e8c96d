// A ZooKeeper-protocol ensemble on the run's hosts, whatever the server: the real ZooKeeper and
// zk-lite both take a zoo.cfg + myid per node, answer `srvr` on the client port, and are killed,
// restarted, paused and resumed as one process per host. This base does all of that once — config per
// node, readiness via 4lw plus a real create/delete, node faults, leader, clean-up — and a target
// supplies only how a node's process is started (and what it genuinely does differently).
import type { Host, HostProcess, ProcessSpec } from '../../harness/runtime/types.ts';
import type { TargetContext, ZkEndpoint } from '../../harness/target.ts';
import { HarnessError, UsageError } from '../../harness/errors.ts';
import { ZkSession } from '../../harness/clients/zk-client.ts';
import { zooCfg, type ServerLine } from './config.ts';
import { serverState, type ServerState } from './four-letter.ts';

export const CLIENT_PORT = 2181;
export const QUORUM_PORT = 2888;
export const ELECTION_PORT = 3888;

/** The zoo.cfg timing keys, in ticks (initLimit, syncLimit) and ms (tickTime). */
export interface ZkTiming { tickTime: number; initLimit: number; syncLimit: number }

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How long the supervisor waits before starting a node that exited by itself (systemd's RestartSec). */
export const RESTART_DELAY_MS = 1000;

/** srvr on every host in parallel (short deadline: a paused node answers nothing). */
async function ensembleStates(hosts: readonly Host[], timeoutMs: number): Promise<(ServerState | undefined)[]> {
  return Promise.all(hosts.map(async (h) => serverState(await h.endpoint(CLIENT_PORT), timeoutMs)));
}

/** Among nodes that say `leader`, the one of the newest epoch: a cut-off old leader can still
 *  believe it leads until its followers' silence times it out. */
export function pickLeader(nodes: readonly string[], states: readonly (ServerState | undefined)[]): string | undefined {
  let best: { node: string; epoch: number } | undefined;
  states.forEach((s, i) => {
    if (s?.mode === 'leader' && (!best || s.epoch > best.epoch)) best = { node: nodes[i], epoch: s.epoch };
  });
  return best?.node;
}

const describeStates = (nodes: readonly string[], states: readonly (ServerState | undefined)[]) =>
  nodes.map((n, i) => `${n}=${states[i]?.mode ?? 'not serving'}`).join(', ');

/** Host names n1..nN for an ensemble of 3 or 5. */
/** Ensemble sizes a ZooKeeper-protocol target runs with. */
export const ENSEMBLE_SIZES = [3, 5] as const;

export function ensembleHostNames(target: string, nodes: number): string[] {
  if (!(ENSEMBLE_SIZES as readonly number[]).includes(nodes)) throw new UsageError(`${target} runs with 3 or 5 nodes, not ${nodes}`);
  return Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
}

/** Configures every node, launches them one by one and waits for a serving quorum; `note` ends the log line. */
export async function startEnsemble<E extends ZkEnsemble>(ctx: TargetContext, ensemble: E, note = ''): Promise<E> {
  ctx.cleanup.add(`${ensemble.target} ensemble`, () => ensemble.stop());
  await Promise.all(ctx.hosts.map((h) => ensemble.configure(h)));
  const t0 = performance.now();
  for (const h of ctx.hosts) await ensemble.launch(h);
  await ensemble.awaitQuorum(ctx.startTimeoutMs);
  ensemble.metrics.startMs = Math.round(performance.now() - t0);
  if (ctx.options.supervise === true || ctx.options.supervise === 'true') ensemble.supervise();
  ctx.log(`${ensemble.target}: ${ctx.hosts.length}-node quorum serving ${ensemble.metrics.startMs} ms after launch${note}`);
  return ensemble;
}

export abstract class ZkEnsemble implements ZkEndpoint {
  /** The target's name, as messages and process names use it. */
  abstract readonly target: string;
  /** How the config-write error names the server. */
  protected abstract readonly serverName: string;
  readonly nodes: readonly string[];
  readonly metrics: Record<string, number> = {};
  private readonly procs = new Map<string, HostProcess>();
  /** Nodes down on purpose (a kill fault): the supervisor leaves them to `restart`. */
  private readonly killed = new Set<string>();
  private readonly relaunching = new Set<string>();
  private supervisor: NodeJS.Timeout | undefined;
  private readonly hostsByName: Map<string, Host>;
  private stopped = false;

  constructor(protected readonly ctx: TargetContext, private readonly timing: ZkTiming) {
    this.nodes = ctx.hosts.map((h) => h.name);
    this.hostsByName = new Map(ctx.hosts.map((h) => [h.name, h]));
  }

  /** The node's server process; its config is `${host.dir}/zoo.cfg`. */
  protected abstract nodeProcess(host: Host): ProcessSpec;

  /** The zoo.cfg `server.N` line for another node, as `host` must dial it. Real ZooKeeper dials
   *  both the quorum and the election port, so they must come out on one address. */
  protected async peerLine(peer: Host, host: Host, id: number): Promise<ServerLine> {
    const [q, e] = await Promise.all([peer.peerEndpoint(host, QUORUM_PORT), peer.peerEndpoint(host, ELECTION_PORT)]);
    if (q.host !== e.host) throw new HarnessError(`${this.target} needs ${peer.name}'s quorum and election ports on one address, got ${q.host} and ${e.host}`);
    return { id, host: q.host, quorumPort: q.port, electionPort: e.port };
  }

  /** Keys a server takes beyond ZooKeeper's own, appended to zoo.cfg. */
  protected extraConfig(): string {
    return '';
  }

  private host(node: string): Host {
    const h = this.hostsByName.get(node);
    if (!h) throw new HarnessError(`${this.target} has no node '${node}' (nodes: ${this.nodes.join(', ')})`);
    return h;
  }

  /** The servers as `host` must dial them: itself where it binds, peers through peerEndpoint. */
  private async serverLines(host: Host): Promise<ServerLine[]> {
    return Promise.all(this.ctx.hosts.map(async (peer, i): Promise<ServerLine> => {
      if (peer === host) return { id: i + 1, host: host.address, quorumPort: host.port(QUORUM_PORT), electionPort: host.port(ELECTION_PORT) };
      return this.peerLine(peer, host, i + 1);
    }));
  }

  /** Writes dataDir/myid and zoo.cfg on the host (through the host, so it works in containers and on remote machines). */
  async configure(host: Host): Promise<void> {
    const id = this.ctx.hosts.indexOf(host) + 1;
    const cfg = zooCfg({
      dataDir: `${host.dir}/data`, clientAddress: host.address, clientPort: host.port(CLIENT_PORT),
      servers: await this.serverLines(host), tickTime: this.timing.tickTime, initLimit: this.timing.initLimit, syncLimit: this.timing.syncLimit,
    }) + this.extraConfig();
    try {
      await host.writeFile(`${host.dir}/data/myid`, `${id}\n`);
      await host.writeFile(`${host.dir}/zoo.cfg`, cfg);
    } catch (err) {
      throw new HarnessError(`could not write the ${this.serverName} config on ${host.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Starts the node's process and registers its stop in the cleanup at once. */
  async launch(host: Host): Promise<void> {
    const proc = await host.spawn(this.nodeProcess(host));
    this.procs.set(host.name, proc);
    this.ctx.cleanup.add(`${this.target} on ${host.name} (pid ${proc.pid})`, () => {
      this.unsupervise(); // a node stopped by the clean-up is not to be restarted
      return proc.stop(1000);
    });
  }

  /** Waits until `ready(states)` holds; the error names what was awaited and the last states seen. */
  private async awaitStates(what: string, ready: (s: (ServerState | undefined)[]) => boolean, timeoutMs: number, watched: readonly string[]): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let states: (ServerState | undefined)[] = [];
    while (performance.now() < deadline) {
      this.assertAlive(watched);
      states = await ensembleStates(this.ctx.hosts, 500);
      if (ready(states)) return;
      await sleep(100);
    }
    throw new HarnessError(`${this.target}: ${what} did not happen within ${Math.round(timeoutMs / 1000)} s (last srvr answers: ${describeStates(this.nodes, states)}; see the node logs)`);
  }

  /** The processes being waited for must not have exited (others may be down on purpose: a kill fault). */
  private assertAlive(nodes: readonly string[]): void {
    for (const node of nodes) {
      const p = this.procs.get(node);
      if (p && !p.alive) throw new HarnessError(`${this.target} on ${node} exited during start-up; see ${p.logFile}`);
    }
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

  /**
   * Runs the nodes under a supervisor, as ZooKeeper's admin guide asks ("fail fast": a server exits
   * on an error it cannot recover from, e.g. a full disk, and a supervisor restarts it): a node
   * process that exited by itself is started again after RESTART_DELAY_MS, again and again while
   * it keeps exiting; the log says when each restarted node serves again.
   */
  supervise(): void {
    if (this.supervisor) return;
    // registered after every node's stop, so it runs before them: a node stopped by the clean-up is not restarted
    this.ctx.cleanup.add(`${this.target} supervisor`, () => this.unsupervise());
    this.supervisor = setInterval(() => {
      for (const node of this.nodes) {
        const p = this.procs.get(node);
        if (!p || p.alive || this.killed.has(node) || this.relaunching.has(node) || !this.supervisor) continue;
        this.relaunching.add(node);
        void this.relaunch(node, p).finally(() => this.relaunching.delete(node));
      }
    }, 250);
    this.supervisor.unref();
  }

  private async relaunch(node: string, exited: HostProcess): Promise<void> {
    const exit = await exited.waitExit(1000).catch(() => undefined);
    this.ctx.log(`${this.target}: supervisor: ${node} exited by itself (${exit?.signal ?? `code ${exit?.code}`}); restarting it in ${RESTART_DELAY_MS} ms`);
    await sleep(RESTART_DELAY_MS);
    if (!this.supervisor || this.killed.has(node)) return;
    const t0 = performance.now();
    await this.launch(this.host(node));
    const i = this.nodes.indexOf(node);
    try {
      await this.awaitStates(`${node} serving again after its supervised restart`, (st) => st[i]?.mode === 'leader' || st[i]?.mode === 'follower', this.ctx.startTimeoutMs, [node]);
      this.ctx.log(`${this.target}: supervisor: ${node} serving again ${Math.round(performance.now() - t0)} ms after its restart`);
    } catch (err) {
      this.ctx.log(`${this.target}: supervisor: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async kill(node: string): Promise<void> {
    this.killed.add(node);
    const p = this.procs.get(node);
    if (!p) throw new HarnessError(`${this.target} on ${node} was never started`);
    if (!p.alive) return;
    await p.signal('SIGKILL');
    await p.waitExit(10_000);
  }

  /** Starts a killed node again on the same dataDir and waits until it serves as leader or follower. */
  async restart(node: string): Promise<void> {
    const host = this.host(node);
    if (this.procs.get(node)?.alive) throw new HarnessError(`${this.target} on ${node} is still running; kill it before restarting`);
    const t0 = performance.now();
    try {
      await this.launch(host);
    } finally {
      // only now: while the new process starts (600 ms over ssh) the supervisor must not see the
      // killed one as a node that exited by itself and start a second
      this.killed.delete(node);
    }
    const i = this.nodes.indexOf(node);
    await this.awaitStates(`${node} serving again after restart`, (s) => s[i]?.mode === 'leader' || s[i]?.mode === 'follower', this.ctx.startTimeoutMs, [node]);
    this.ctx.log(`${this.target}: ${node} serving again ${Math.round(performance.now() - t0)} ms after restart`);
  }

  async pause(node: string): Promise<void> {
    await this.procs.get(node)?.pause();
  }

  async resume(node: string): Promise<void> {
    await this.procs.get(node)?.resume();
  }

  async leader(): Promise<string | undefined> {
    return pickLeader(this.nodes, await ensembleStates(this.ctx.hosts, 700));
  }

  /** Per-node srvr answers (for tests and diagnostics). */
  async states(): Promise<Record<string, ServerState | undefined>> {
    const s = await ensembleStates(this.ctx.hosts, 700);
    return Object.fromEntries(this.nodes.map((n, i) => [n, s[i]]));
  }

  processOf(node: string): HostProcess | undefined {
    return this.procs.get(node);
  }

  private unsupervise(): void {
    clearInterval(this.supervisor);
    this.supervisor = undefined;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsupervise();
    await Promise.all([...this.procs.values()].map((p) => p.stop(1000)));
  }
}
