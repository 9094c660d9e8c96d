// The seed's pseudo-cluster: every node is a plain process on 127.0.0.1 with ports of its own, so
// faultline runs without root, namespaces or Docker. Hosts share one address, so `port(base)` gives
// each host its own port for each conventional port, and the processes, folders and ports of a run
// are recorded in a ledger so `faultline clean` finds what a killed run left behind. Every link —
// the harness to a node, a node to a node — goes through a proxy of the run's own in-process
// Toxiproxy-compatible server (links.ts), so partitions and slow links work without root.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HarnessError, UsageError } from '../../errors.ts';
import { makeHostClocks, type FileClock } from '../clock/fake-clock.ts';
import { ProxyServer } from '../../net/proxy/index.ts';
import { ProxiedNetwork } from './links.ts';
import type { Cleanup } from '../../cleanup.ts';
import { runCommand, spawnLogged, pidAlive, sameProcess, writeLocalFile } from '../process.ts';
import { killTagged, Ledger, ledgerDir, runTag } from '../ledger.ts';
import { CLIENT_HOST, type ExecResult, type Host, type HostProcess, type ProcessSpec, type Runtime, type RuntimeFactory, type RuntimeOptions } from '../types.ts';

/** Ports a run may use: a block of BLOCK ports; hosts take SLOTS each from the bottom, link proxies
 *  take ports from the top. The blocks lie below Linux's ephemeral range (32768+ by default), so an
 *  outgoing connection's source port never takes a port a node is about to bind. */
const BLOCK = 400;
const SLOTS = 40;
const FIRST = 20000;
const LAST = 32400;

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });

const blockLock = (start: number) => path.join(ledgerDir(), `ports-${start}.lock`);

/** The pid in a block lock ("<run id> <pid>"), or undefined when it is gone or unreadable. */
function lockOwner(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').split(' ')[1]) || undefined;
  } catch {
    return undefined;
  }
}

/** Claims block `start` for run `runId` by creating its lock exclusively; a lock left by a dead
 *  process is taken over. */
function claimBlock(start: number, runId: string): string | undefined {
  const file = blockLock(start);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${runId} ${process.pid}\n`, { flag: 'wx' });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = lockOwner(file);
      if (owner === undefined || pidAlive(owner)) return undefined;
      rmSync(file, { force: true }); // its run died without cleaning up
    }
  }
  return undefined;
}

/** Reserves a block of ports for the run: a lock file per block, so two runs at once (parallel test
 *  files, other people's runs) never share one — probing cannot tell, since a run's relays stop
 *  listening while their upstreams are down — and probes that skip blocks where some other program
 *  listens. Chosen at random so concurrent runs rarely even try the same block. */
async function reserveBlock(runId: string): Promise<{ start: number; lockFile: string }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = FIRST + Math.floor(Math.random() * ((LAST - FIRST) / BLOCK)) * BLOCK;
    const probes = [0, 1, SLOTS, SLOTS + 1, 2 * SLOTS, 3 * SLOTS, 4 * SLOTS, BLOCK - 1, BLOCK - 2, BLOCK - 20].map((o) => start + o);
    const lockFile = claimBlock(start, runId);
    if (!lockFile) continue;
    if ((await Promise.all(probes.map(canListen))).every(Boolean)) return { start, lockFile };
    rmSync(lockFile, { force: true });
  }
  throw new HarnessError('no free block of loopback ports found for the local runtime');
}

/** Block locks whose process is dead (a run killed before its ledger named the lock). */
function removeStaleBlockLocks(log: (line: string) => void): void {
  for (const name of readdirSync(ledgerDir())) {
    if (!/^ports-\d+\.lock$/.test(name)) continue;
    const owner = lockOwner(path.join(ledgerDir(), name));
    if (owner === undefined || pidAlive(owner)) continue;
    rmSync(path.join(ledgerDir(), name), { force: true });
    log(`removed the stale port block lock ${name}`);
  }
}

export class LocalHost implements Host {
  readonly address = '127.0.0.1';
  private readonly slots = new Map<number, number>();

  constructor(
    readonly name: string, private readonly index: number, private readonly firstPort: number, readonly dir: string,
    private readonly ctx: { logDir: string; cleanup: Cleanup; ledger: Ledger; links: ProxiedNetwork },
    readonly clock?: FileClock,
  ) {}

  port(base: number): number {
    let slot = this.slots.get(base);
    if (slot === undefined) {
      slot = this.slots.size;
      if (slot >= SLOTS) throw new HarnessError(`host ${this.name} asked for more than ${SLOTS} ports`);
      this.slots.set(base, slot);
    }
    return this.firstPort + this.index * SLOTS + slot;
  }

  /** The proxy of link client→this host for `base`. */
  endpoint(base: number): Promise<{ host: string; port: number }> {
    this.port(base); // claims the slot so the upstream is known
    return this.ctx.links.endpoint(CLIENT_HOST, this.name, base);
  }

  /** The proxy of link from→this host for `base` (a partition or link fault can cut it). */
  peerEndpoint(from: Host, base: number): Promise<{ host: string; port: number }> {
    if (from.name === this.name) return Promise.resolve({ host: this.address, port: this.port(base) });
    this.port(base);
    return this.ctx.links.endpoint(from.name, this.name, base);
  }

  async spawn(spec: ProcessSpec): Promise<HostProcess> {
    const { ledger, cleanup, logDir } = this.ctx;
    const proc = await spawnLogged({
      name: spec.name, command: spec.command, args: spec.args,
      logFile: path.join(logDir, `${this.name}-${spec.name}.log`), env: { ...(this.clock ? { ...spec.env, ...this.clock.env(spec.env) } : spec.env), ...runTag(ledger.data.runId) }, cwd: spec.cwd ?? this.dir,
    });
    ledger.addProcess({ pid: proc.pid, start: proc.startTime, name: `${this.name}/${spec.name}` });
    void proc.exited.then(() => ledger.dropProcess(proc.pid));
    cleanup.add(`${spec.name} on ${this.name} (pid ${proc.pid})`, () => proc.stop());
    return proc;
  }

  exec(command: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
    return runCommand(command, args, opts);
  }

  writeFile(file: string, text: string): Promise<void> {
    return writeLocalFile(file, text);
  }
}

class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  constructor(readonly runId: string, readonly hosts: readonly LocalHost[], readonly network: ProxiedNetwork) {}
  host(name: string): Host {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new HarnessError(`no host named ${name} in run ${this.runId}`);
    return h;
  }
}

function claimLedger(): Ledger {
  for (let i = 0; i < 20; i++) {
    const id = Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0');
    const ledger = Ledger.claim(id, 'local');
    if (ledger) return ledger;
  }
  throw new HarnessError('could not claim a run id for the local runtime');
}

const factory: RuntimeFactory = {
  kind: 'local',
  async unavailable() {
    return undefined;
  },
  async create(opts: RuntimeOptions): Promise<Runtime> {
    if (opts.features?.diskMb) throw new UsageError('disk faults need each node\'s folder on a filesystem of its own, which the local runtime cannot mount (no root, no namespaces): use --runtime netns or docker');
    const ledger = claimLedger();
    opts.cleanup.add(`ledger of run ${ledger.data.runId}`, () => ledger.remove());
    const root = path.join('/tmp', `fl-${ledger.data.runId}`);
    mkdirSync(root, { recursive: true });
    ledger.add('dirs', root);
    opts.cleanup.add(`folder ${root}`, () => rmSync(root, { recursive: true, force: true }));
    if (opts.hosts.length * SLOTS > BLOCK / 2) throw new HarnessError(`the local runtime runs at most ${BLOCK / 2 / SLOTS} hosts, asked for ${opts.hosts.length}`);
    if (opts.hosts.includes(CLIENT_HOST)) throw new HarnessError(`'${CLIENT_HOST}' names the harness itself and cannot be a host name`);
    const block = await reserveBlock(ledger.data.runId);
    ledger.add('files', block.lockFile);
    opts.cleanup.add(`port block ${block.start}`, () => {
      rmSync(block.lockFile, { force: true });
      ledger.drop('files', block.lockFile);
    });
    const first = block.start;
    const proxy = await ProxyServer.start({ host: '127.0.0.1', port: 0 });
    opts.cleanup.add(`link proxy server ${proxy.url}`, () => proxy.stop());
    const byName = new Map<string, LocalHost>();
    let nextProxyPort = first + BLOCK - 1;
    const links = new ProxiedNetwork({
      toxiproxy: proxy.client(), runId: ledger.data.runId, hosts: opts.hosts,
      upstream: (to, base) => `127.0.0.1:${byName.get(to)!.port(base)}`,
      listenAddress: () => `127.0.0.1:${nextProxyPort >= first + opts.hosts.length * SLOTS ? nextProxyPort-- : 0}`,
    });
    opts.cleanup.add('link relays', () => links.close());
    const clocks = await makeHostClocks(opts.features?.clock, path.join(root, 'clock'), opts.hosts);
    const hosts = opts.hosts.map((name, i) => {
      const dir = path.join(root, name);
      mkdirSync(dir, { recursive: true });
      const host = new LocalHost(name, i, first, dir, { logDir: opts.logDir, cleanup: opts.cleanup, ledger, links }, clocks?.get(name));
      byName.set(name, host);
      return host;
    });
    opts.log(`faultline: local runtime ${ledger.data.runId}: ${hosts.length} hosts on 127.0.0.1, ports ${first}–${first + BLOCK - 1}, links through the proxy at ${proxy.url}`);
    return new LocalRuntime(ledger.data.runId, hosts, links);
  },
  async clean(log) {
    for (const { file, data } of Ledger.list()) {
      if (data.kind !== 'local' || Ledger.ownerAlive(data)) continue;
      for (const p of data.processes) {
        if (!pidAlive(p.pid) || !sameProcess(p.pid, p.start)) continue;
        try {
          process.kill(-p.pid, 'SIGKILL');
        } catch {
          process.kill(p.pid, 'SIGKILL');
        }
        log(`killed ${p.name} (pid ${p.pid}) of dead run ${data.runId}`);
      }
      killTagged(data.runId, log, 'local');
      for (const d of [...data.dirs, ...data.files]) rmSync(d, { recursive: true, force: true });
      rmSync(file, { force: true });
      log(`removed the ledger of dead local run ${data.runId}`);
    }
    removeStaleBlockLocks(log);
  },
};

export default factory;
