// The seed's pseudo-cluster: every node is a plain process on 127.0.0.1 with ports of its own, so
// faultline runs without root, namespaces or Docker. Hosts share one address, so `port(base)` gives
// each host its own port for each conventional port, and the processes, folders and ports of a run
// are recorded in a ledger so `faultline clean` finds what a killed run left behind.
import { mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HarnessError } from '../../errors.ts';
import type { Cleanup } from '../../cleanup.ts';
import { runCommand, spawnLogged, pidAlive, sameProcess } from '../process.ts';
import { Ledger } from '../netns/ledger.ts';
import type { ExecResult, Host, HostProcess, Network, ProcessSpec, Runtime, RuntimeFactory, RuntimeOptions } from '../types.ts';

/** Ports a run may use: a block of BLOCK ports, SLOTS per host. */
const BLOCK = 400;
const SLOTS = 40;
const FIRST = 20000;
const LAST = 60000;

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });

/** A block of ports nobody listens on right now, chosen at random so concurrent runs rarely meet. */
async function pickBlock(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = FIRST + Math.floor(Math.random() * ((LAST - FIRST) / BLOCK)) * BLOCK;
    const probes = [0, 1, SLOTS, SLOTS + 1, 2 * SLOTS, 3 * SLOTS, 4 * SLOTS].map((o) => start + o);
    if ((await Promise.all(probes.map(canListen))).every(Boolean)) return start;
  }
  throw new HarnessError('no free block of loopback ports found for the local runtime');
}

export class LocalHost implements Host {
  readonly address = '127.0.0.1';
  private readonly slots = new Map<number, number>();

  constructor(readonly name: string, private readonly index: number, private readonly firstPort: number, readonly dir: string, private readonly ctx: { logDir: string; cleanup: Cleanup; ledger: Ledger }) {}

  port(base: number): number {
    let slot = this.slots.get(base);
    if (slot === undefined) {
      slot = this.slots.size;
      if (slot >= SLOTS) throw new HarnessError(`host ${this.name} asked for more than ${SLOTS} ports`);
      this.slots.set(base, slot);
    }
    return this.firstPort + this.index * SLOTS + slot;
  }

  async endpoint(base: number): Promise<{ host: string; port: number }> {
    return { host: this.address, port: this.port(base) };
  }

  async peerEndpoint(_from: Host, base: number): Promise<{ host: string; port: number }> {
    return { host: this.address, port: this.port(base) };
  }

  async spawn(spec: ProcessSpec): Promise<HostProcess> {
    const { ledger, cleanup, logDir } = this.ctx;
    const proc = await spawnLogged({
      name: spec.name, command: spec.command, args: spec.args,
      logFile: path.join(logDir, `${this.name}-${spec.name}.log`), env: spec.env, cwd: spec.cwd ?? this.dir,
    });
    ledger.addProcess({ pid: proc.pid, start: proc.startTime, name: `${this.name}/${spec.name}` });
    void proc.exited.then(() => ledger.dropProcess(proc.pid));
    cleanup.add(`${spec.name} on ${this.name} (pid ${proc.pid})`, () => proc.stop());
    return proc;
  }

  exec(command: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
    return runCommand(command, args, opts);
  }
}

/** Without proxied links, loopback traffic cannot be cut: say so instead of pretending. */
class LoopbackNetwork implements Network {
  async partition(): Promise<void> {
    throw new HarnessError('partitions on the local runtime need proxied links, which this build does not have yet');
  }
  async heal(): Promise<void> {}
}

class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  constructor(readonly runId: string, readonly hosts: readonly LocalHost[], readonly network: Network) {}
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
    const ledger = claimLedger();
    opts.cleanup.add(`ledger of run ${ledger.data.runId}`, () => ledger.remove());
    const root = path.join('/tmp', `fl-${ledger.data.runId}`);
    mkdirSync(root, { recursive: true });
    ledger.add('dirs', root);
    opts.cleanup.add(`folder ${root}`, () => rmSync(root, { recursive: true, force: true }));
    const first = await pickBlock();
    const hosts = opts.hosts.map((name, i) => {
      const dir = path.join(root, name);
      mkdirSync(dir, { recursive: true });
      return new LocalHost(name, i, first, dir, { logDir: opts.logDir, cleanup: opts.cleanup, ledger });
    });
    opts.log(`faultline: local runtime ${ledger.data.runId}: ${hosts.length} hosts on 127.0.0.1, ports ${first}–${first + hosts.length * SLOTS - 1}`);
    return new LocalRuntime(ledger.data.runId, hosts, new LoopbackNetwork());
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
      for (const d of data.dirs) rmSync(d, { recursive: true, force: true });
      rmSync(file, { force: true });
      log(`removed the ledger of dead local run ${data.runId}`);
    }
  },
};

export default factory;
