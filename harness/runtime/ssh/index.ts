// `--runtime ssh`: every host is a machine the user names (a hosts file or --hosts), reached over one
// SSH connection each for the whole run, as Jepsen does. Before anything is started anywhere, every
// machine is connected to and asked what it has; bad input (a malformed hosts file, an unreachable
// machine, a refused key, a missing package) is one clear line and nothing is created. Then each
// machine gets its folder <remote dir>/fl-<run>/<host>, daemons run there under setsid, partitions
// are fl-<run> iptables chains, clock faults a libfaketime control file on the machine (clock.ts),
// disk faults a tmpfs mounted over the folder (disk.ts), and every remote thing is in the run's ledger
// before it exists, so the end of the run, Ctrl-C, or `faultline clean` after a SIGKILLed harness
// removes it from every machine.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cleanup } from '../../cleanup.ts';
import { HarnessError, UsageError } from '../../errors.ts';
import { Ledger, type LedgerProcess } from '../ledger.ts';
import type { Runtime, RuntimeFactory, RuntimeOptions } from '../types.ts';
import { cleanLeftovers, teardownMachine } from './clean.ts';
import { SshConnection } from './connection.ts';
import { localClockBuild, setupRemoteClock, type ClockTimings, type LocalClockBuild, type RemoteClock } from './clock.ts';
import { mountRemoteDisk, RemoteDisk } from './disk.ts';
import { harnessFolder, makeFolderExclusive, makeFolders } from './files.ts';
import { SshHost } from './host.ts';
import { checkHostKey, fingerprint, knownHostsLine, knownHostsName, preferredAlgorithms } from './known-hosts.ts';
import { assignRoles, describeMachine, isIpv4, type Machine } from './machines.ts';
import { SshNetwork } from './network.ts';
import { describeMissing, featureRequirements, install, packagesFor, probe, RUNTIME_REQUIREMENTS, type Probe } from './preflight.ts';
import { RunRecord } from './record.ts';
import { execCommand } from './shell.ts';
import { resolveSettings, type ResolvedSettings } from './settings.ts';

class SshRuntime implements Runtime {
  readonly kind = 'ssh' as const;
  constructor(readonly runId: string, readonly hosts: readonly SshHost[], readonly network: SshNetwork) {}

  host(name: string): SshHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new HarnessError(`no host '${name}' in run ${this.runId} (hosts: ${this.hosts.map((x) => x.name).join(', ')})`);
    return h;
  }
}

/** One machine as the run uses it. */
interface Seat {
  role: string;
  machine: Machine;
  label: string;
  conn: SshConnection;
  probe: Probe;
  address: string;
}

function checkHostNames(hosts: string[]): void {
  if (hosts.length === 0 || hosts.length > 100) throw new UsageError(`ssh runtime needs 1 to 100 hosts, got ${hosts.length}`);
  for (const h of hosts) if (!/^[a-z0-9][a-z0-9-]{0,15}$/i.test(h)) throw new UsageError(`host name '${h}' must be 1-16 letters, digits or dashes`);
  if (new Set(hosts).size !== hosts.length) throw new UsageError(`host names must be unique: ${hosts.join(', ')}`);
}

function claimRun(): Ledger {
  for (let attempt = 0; attempt < 50; attempt++) {
    const ledger = Ledger.claim(randomBytes(2).toString('hex'), 'ssh');
    if (ledger) return ledger;
  }
  throw new HarnessError('could not find a free run id (run `faultline clean`?)');
}

/** Settles every promise, then throws one UsageError joining every failure (one line). */
async function allOrOneLine<T>(work: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(work);
  const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => (s.reason instanceof Error ? s.reason.message : String(s.reason)));
  if (failed.length) throw new UsageError(failed.join('; '));
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** Connects to every machine at once; each connection's close is registered in `undo`. */
async function connectAll(roles: string[], machines: Machine[], s: ResolvedSettings, undo: Cleanup): Promise<SshConnection[]> {
  return allOrOneLine(machines.map(async (m, i) => {
    const label = `${roles[i]} (${describeMachine(m)})`;
    const name = knownHostsName(m.host, m.port);
    const conn = await SshConnection.open(m, {
      credentials: s.credentials, label,
      checkHostKey: (blob) => (s.knownHosts ? checkHostKey(s.knownHosts.entries, m.host, m.port, blob, s.knownHosts.file) : { ok: true }),
      ...(s.knownHosts ? { hostKeyAlgorithms: preferredAlgorithms(s.knownHosts.entries, name) } : {}),
    });
    undo.add(`connection to ${label}`, () => conn.close());
    return conn;
  }));
}

/** Asks every machine what it has; installs what is missing when allowed, then asks again. */
async function preflightAll(conns: SshConnection[], roles: string[], s: ResolvedSettings, opts: RuntimeOptions, build: LocalClockBuild | undefined): Promise<Probe[]> {
  const needs = roles.map((r) => [...RUNTIME_REQUIREMENTS, ...featureRequirements(opts.features, build), ...(opts.requirements?.[r] ?? [])]);
  return allOrOneLine(conns.map(async (conn, i) => {
    await conn.sftp().catch((err: Error) => {
      throw new UsageError(`${err.message}; faultline uploads configs and fetches logs over it`);
    });
    let found = await probe(conn, s.remoteDir, needs[i]);
    const isRoot = found.uid === 0;
    if (found.missing.length && s.install && packagesFor(found.missing).length) {
      if (!isRoot && !found.sudo) throw new UsageError(`${describeMissing(conn.label, found.missing, false)}, and --install needs root or passwordless sudo there`);
      opts.log(`faultline: ${conn.label}: installing ${packagesFor(found.missing).join(' ')}`);
      await install(conn, isRoot, packagesFor(found.missing));
      found = await probe(conn, s.remoteDir, needs[i]);
    }
    if (found.missing.length) throw new UsageError(describeMissing(conn.label, found.missing, !s.install));
    if (!isRoot && !found.sudo) throw new UsageError(`${conn.label}: partitions need iptables as root: log in as root, or give the user passwordless sudo (sudo -n)`);
    if (!found.dirWritable) throw new UsageError(`${conn.label}: ${s.remoteDir} is not a writable folder (choose another with --remote-dir)`);
    return found;
  }));
}

/** The address nodes use for each machine: address= or the IP we reached; it must be one of the
 *  machine's own (services bind it), and never the harness's (partitions would cut us off). Two
 *  hosts on one machine (a DNS name and its IP) would fight over ports: refused. */
export function seatAddresses(roles: string[], machines: Machine[], conns: SshConnection[], probes: Probe[]): Seat[] {
  const seats = roles.map((role, i): Seat => {
    const conn = conns[i];
    const address = machines[i].address ?? conn.remoteAddress.replace(/^::ffff:/, '');
    if (!isIpv4(address)) throw new UsageError(`${conn.label}: nodes need an IPv4 address for it; add address=IP to its line in a hosts file`);
    const own = probes[i].addresses;
    if (own && !own.includes(address)) {
      throw new UsageError(`${conn.label}: ${address} is not an address of this machine (it has ${own.join(', ') || 'none'}); give the one its peers reach it at with address= in a hosts file`);
    }
    return { role, machine: machines[i], label: conn.label, conn, probe: probes[i], address };
  });
  const byKey = new Map<string, Seat>();
  for (const s of seats) {
    const twin = byKey.get(s.conn.hostKey.toString('base64'));
    if (twin) throw new UsageError(`${twin.label} and ${s.label} are the same machine (same host key; if they are not, one is a clone: regenerate its host keys); every host needs a machine of its own`);
    byKey.set(s.conn.hostKey.toString('base64'), s);
  }
  const nodeAddresses = new Map(seats.map((s) => [s.address, s.role]));
  for (const s of seats) {
    const mine = s.conn.localAddress.replace(/^::ffff:/, '');
    if (nodeAddresses.has(mine)) throw new UsageError(`the harness reaches ${s.label} from ${mine}, which is node ${nodeAddresses.get(mine)}'s address: partitions would cut the harness off; run faultline from a machine outside the cluster`);
  }
  return seats;
}

/** What the run needs to build one machine's folder and host. */
interface Build {
  runId: string;
  record: RunRecord;
  undo: Cleanup;
  settings: ResolvedSettings;
  opts: RuntimeOptions;
  /** This machine's builds of the clock helpers (runs with clock faults, when it has cc). */
  clockBuild?: LocalClockBuild;
  timings: FaultTimings;
}

/** What clock and disk changes cost over the connections (the run's closing line). */
interface FaultTimings {
  clock: ClockTimings;
  disk: { fillMs: number[]; freeMs: number[] };
}

/** The machine's folders (the host's and the harness's beside it): into the ledger first, made
 *  exclusively, torn down (daemons swept, logs fetched, disk unmounted, folders removed) at the end
 *  of the run. Then the disk and the clock, when the run has such faults. */
async function buildHost(b: Build, seat: Seat): Promise<SshHost> {
  const runDir = path.posix.join(b.settings.remoteDir, `fl-${b.runId}`);
  const dir = path.posix.join(runDir, seat.role);
  b.record.update(seat.role, (m) => (m.folder = true));
  try {
    await makeFolders(seat.conn, runDir);
    await makeFolderExclusive(seat.conn, dir);
    await makeFolderExclusive(seat.conn, harnessFolder(dir));
  } catch (err) {
    b.record.update(seat.role, (m) => (m.folder = false));
    throw err;
  }
  b.undo.add(`folder ${dir} on ${seat.label}`, async () => {
    await teardownMachine(seat.conn, b.record.machine(seat.role), b.opts.logDir, (m) => b.record.update(seat.role, m));
  });
  const disk = await buildDisk(b, seat, dir);
  const clock = b.opts.features?.clock ? await buildClock(b, seat, dir) : undefined;
  return new SshHost(seat.role, seat.address, dir, seat.conn, seat.probe.uid === 0, { logDir: b.opts.logDir, cleanup: b.undo, record: b.record }, clock, disk);
}

/** The size-limited filesystem over the host's folder: into the record before `mount` runs (the
 *  folder's teardown unmounts it). */
async function buildDisk(b: Build, seat: Seat, dir: string): Promise<RemoteDisk | undefined> {
  const sizeMb = b.opts.features?.diskMb;
  if (!sizeMb) return undefined;
  const name = `fl-${b.runId}-${seat.role}`;
  b.record.update(seat.role, (m) => (m.mount = name));
  try {
    await mountRemoteDisk(seat.conn, seat.probe.uid === 0, dir, name, sizeMb);
  } catch (err) {
    b.record.update(seat.role, (m) => delete m.mount);
    throw err;
  }
  const exec = (command: string, args: string[], o?: { timeoutMs?: number }) => seat.conn.run(execCommand(command, args), { ...o, what: `${command} on ${seat.role}` });
  return new RemoteDisk(exec, dir, sizeMb * 2 ** 20, b.timings.disk);
}

/** The host's fake clock; a strobe's pid goes into the run's record while it runs. */
function buildClock(b: Build, seat: Seat, dir: string): Promise<RemoteClock> {
  const track = {
    add: (p: LedgerProcess) => b.record.addProcess(seat.role, { ...p, name: `${seat.role}/${p.name}` }),
    drop: (pid: number) => b.record.dropProcess(seat.role, pid),
  };
  return setupRemoteClock(seat.conn, { host: dir, harness: harnessFolder(dir) }, b.clockBuild, track, b.timings.clock, b.opts.log);
}

/** The record of every machine, before anything is made on it. */
function recordMachines(ledger: Ledger, seats: Seat[], s: ResolvedSettings, logDir: string, runId: string): RunRecord {
  const runDir = path.posix.join(s.remoteDir, `fl-${runId}`);
  return new RunRecord(ledger, {
    auth: s.credentials.kind === 'key' ? { keyFile: s.credentials.file } : {},
    logDir: path.resolve(logDir),
    machines: seats.map((seat) => ({
      name: seat.role, user: seat.machine.user, host: seat.machine.host, port: seat.machine.port,
      hostKey: seat.conn.hostKey.toString('base64'), isRoot: seat.probe.uid === 0,
      runDir, dir: path.posix.join(runDir, seat.role), folder: false, processes: [],
    })),
  });
}

/** The keys accepted for this run, as a known_hosts file the user can pass next time. */
function saveKnownHosts(seats: Seat[], s: ResolvedSettings, logDir: string, log: (line: string) => void): void {
  const file = path.join(logDir, 'known_hosts');
  writeFileSync(file, seats.map((x) => knownHostsLine(x.machine.host, x.machine.port, x.conn.hostKey)).join('\n') + '\n');
  if (!s.knownHosts) log(`faultline: host keys accepted for this run (no --known-hosts): ${seats.map((x) => `${x.role} ${fingerprint(x.conn.hostKey)}`).join(', ')}; saved in ${file}`);
}

async function create(opts: RuntimeOptions): Promise<Runtime> {
  checkHostNames(opts.hosts);
  const settings = resolveSettings(opts.ssh);
  const machines = assignRoles(opts.hosts, settings.machines);
  mkdirSync(opts.logDir, { recursive: true });
  const ledger = claimRun();
  const runId = ledger.data.runId;
  const undo = new Cleanup();
  let record: RunRecord | undefined;
  undo.add(`ledger of run ${runId}`, () => {
    if (record?.holdsLeftovers) opts.log(`faultline: run ${runId} could not remove everything; \`faultline clean\` will (ledger ${ledger.file})`);
    else ledger.remove();
  });
  opts.cleanup.add(`ssh runtime ${runId}`, async () => {
    for (const e of await undo.runAll()) opts.log(`faultline: ${e}`);
  });
  try {
    const clockBuild = opts.features?.clock ? await localClockBuild() : undefined;
    const conns = await connectAll(opts.hosts, machines, settings, undo);
    const probes = await preflightAll(conns, opts.hosts, settings, opts, clockBuild);
    const seats = seatAddresses(opts.hosts, machines, conns, probes);
    record = recordMachines(ledger, seats, settings, opts.logDir, runId);
    saveKnownHosts(seats, settings, opts.logDir, opts.log);
    const timings: FaultTimings = { clock: { applyMs: [], strobes: [] }, disk: { fillMs: [], freeMs: [] } };
    const b: Build = { runId, record, undo, settings, opts, clockBuild, timings };
    const hosts = await allOrOneLine(seats.map((seat) => buildHost(b, seat))).catch((err) => {
      throw new HarnessError(err.message); // a folder that cannot be made is not the user's typo
    });
    const network = new SshNetwork(runId, hosts, record, undo);
    undo.add('fault timing', () => {
      if (network.applyMs.length) opts.log(`faultline: ssh partitions: ${network.applyMs.length} changes, applied on every machine in ${describeTimes(network.applyMs)}`);
      for (const line of describeFaultTimings(timings)) opts.log(`faultline: ${line}`);
    });
    opts.log(`faultline: ssh run ${runId}: ${seats.map((x) => `${x.role}=${describeMachine(x.machine)}${x.address !== x.conn.remoteAddress ? ` (nodes: ${x.address})` : ''}`).join(' ')}; folders ${settings.remoteDir}/fl-${runId}/`);
    return new SshRuntime(runId, hosts, network);
  } catch (err) {
    for (const e of await undo.runAll()) opts.log(`faultline: ${e}`);
    throw err;
  }
}

/** Closing lines on what clock and disk changes cost over the connections, and the strobes' flip rate. */
function describeFaultTimings(t: FaultTimings): string[] {
  const lines: string[] = [];
  if (t.clock.applyMs.length) lines.push(`ssh clocks: ${t.clock.applyMs.length} changes, on the machine in ${describeTimes(t.clock.applyMs)}`);
  if (t.clock.strobes.length) {
    const flips = t.clock.strobes.reduce((n, s) => n + s.flips, 0);
    const ms = t.clock.strobes.reduce((n, s) => n + s.ms, 0);
    lines.push(`ssh clock strobes: ${t.clock.strobes.length}, ${flips} flips in ${(ms / 1000).toFixed(1)} s (${ms ? Math.round((flips * 1000) / ms) : 0} flips/s)`);
  }
  if (t.disk.fillMs.length) lines.push(`ssh disks: ${t.disk.fillMs.length} filled in ${describeTimes(t.disk.fillMs)}${t.disk.freeMs.length ? `; freed in ${describeTimes(t.disk.freeMs)}` : ''}`);
  return lines;
}

/** "median 12 ms, max 30 ms" */
export function describeTimes(ms: readonly number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${sorted[Math.floor((sorted.length - 1) / 2)]} ms, max ${sorted[sorted.length - 1]} ms`;
}

const factory: RuntimeFactory = {
  kind: 'ssh',
  // pure JavaScript (ssh2): it can always try; what each machine lacks is said by the preflight
  unavailable: async () => undefined,
  create,
  clean: (log, opts) => cleanLeftovers(log, opts ?? {}),
};

export default factory;
