// The default runtime as root: every host is a Linux network namespace (fl-<run>-<host>) with a veth
// into a bridge that lives in a namespace of its own (fl-<run>-br), so the host's FORWARD policy
// (DROP once Docker has run) never sees node traffic. The harness reaches the nodes through one more
// veth from the root namespace (10.77.k.254), so clients run in the harness process and a partition
// installed inside the nodes really cuts what it should. Everything is registered for undo the
// moment it exists and written into the run's ledger for `faultline clean`.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { Cleanup } from '../../cleanup.ts';
import { HarnessError, UsageError } from '../../errors.ts';
import { IptablesPartitions, type PartitionNode } from '../../net/partition.ts';
import type { Runtime, RuntimeFactory, RuntimeOptions } from '../types.ts';
import { runChecked, runCommand } from '../process.ts';
import { cleanLeftovers } from './clean.ts';
import { NetnsHost } from './host.ts';
import { deleteLink, deleteNamespace, ip, listNamespaces } from './ip.ts';
import { Ledger } from '../ledger.ts';
import { reserveSubnet, subnetAddress } from './subnet.ts';
import { makeHostClocks, type FileClock } from '../clock/fake-clock.ts';
import { ExecDisk, mountDisk } from '../disk/tmpfs-disk.ts';

/** Address of the harness (root namespace) on every run's subnet. */
export const HARNESS_HOST_OCTET = 254;

class NetnsRuntime implements Runtime {
  readonly kind = 'netns' as const;
  constructor(
    readonly runId: string,
    readonly hosts: readonly NetnsHost[],
    readonly network: IptablesPartitions,
    /** Address the harness has on the run's subnet. */
    readonly harnessAddress: string,
  ) {}

  host(name: string): NetnsHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new HarnessError(`no host '${name}' in run ${this.runId} (hosts: ${this.hosts.map((x) => x.name).join(', ')})`);
    return h;
  }
}

/** A host's side of the run's partitions: iptables-restore run inside its namespace. */
const namespacePartitionNode = (host: NetnsHost): PartitionNode => ({
  name: host.name,
  address: host.address,
  iptablesRestore: async (script) => {
    await runChecked('ip', ['netns', 'exec', host.namespace, 'iptables-restore', '-w', '5', '--noflush'], { input: script, timeoutMs: 15_000 });
  },
});

/** What a run builds, and the undo list it builds it under. */
interface Build {
  runId: string;
  ledger: Ledger;
  undo: Cleanup;
  k: number;
  log: (line: string) => void;
  clocks?: Map<string, FileClock>;
}

function checkHostNames(hosts: string[]): void {
  if (hosts.length === 0 || hosts.length > 100) throw new UsageError(`netns runtime needs 1 to 100 hosts, got ${hosts.length}`);
  for (const h of hosts) if (!/^[a-z0-9][a-z0-9-]{0,15}$/i.test(h)) throw new UsageError(`host name '${h}' must be 1-16 letters, digits or dashes`);
  if (new Set(hosts).size !== hosts.length) throw new UsageError(`host names must be unique: ${hosts.join(', ')}`);
  if (hosts.includes('br')) throw new UsageError("host name 'br' is reserved for the bridge namespace");
}

/** A fresh 4-hex-digit run id whose ledger we created exclusively and no namespace uses. */
async function claimRunId(): Promise<{ runId: string; ledger: Ledger }> {
  const existing = (await listNamespaces()).join(' ');
  for (let attempt = 0; attempt < 50; attempt++) {
    const runId = randomBytes(2).toString('hex');
    if (existing.includes(`fl-${runId}-`)) continue;
    const ledger = Ledger.claim(runId, 'netns');
    if (ledger) return { runId, ledger };
  }
  throw new HarnessError('could not find a free run id (run `faultline clean`?)');
}

/** Creates a namespace and registers its undo (kill what runs in it, delete it) at once. It goes
 *  into the ledger before it exists: if we die while `ip` runs, the orphaned `ip` still creates it. */
async function addNamespace(b: Build, ns: string): Promise<void> {
  b.ledger.add('namespaces', ns);
  try {
    await ip('netns', 'add', ns);
  } catch (err) {
    b.ledger.drop('namespaces', ns);
    throw err;
  }
  b.undo.add(`namespace ${ns}`, async () => {
    await deleteNamespace(ns);
    b.ledger.drop('namespaces', ns);
  });
}

/** The bridge namespace with its bridge, and the harness's own veth into it. */
async function buildBridge(b: Build): Promise<string> {
  const br = `fl-${b.runId}-br`;
  await addNamespace(b, br);
  await ip('-n', br, 'link', 'add', br, 'type', 'bridge');
  await ip('-n', br, 'link', 'set', br, 'up');
  const rootEnd = `fl-${b.runId}-h`;
  b.ledger.add('links', rootEnd); // before it exists, as for namespaces
  await ip('link', 'add', rootEnd, 'type', 'veth', 'peer', 'name', `fl-${b.runId}-hb`, 'netns', br).catch((err) => {
    b.ledger.drop('links', rootEnd);
    throw err;
  });
  b.undo.add(`link ${rootEnd}`, async () => {
    await deleteLink(rootEnd);
    b.ledger.drop('links', rootEnd);
  });
  await ip('addr', 'add', `${subnetAddress(b.k, HARNESS_HOST_OCTET)}/24`, 'dev', rootEnd);
  await ip('link', 'set', rootEnd, 'up');
  await ip('-n', br, 'link', 'set', `fl-${b.runId}-hb`, 'master', br, 'up');
  return br;
}

/** One host: its namespace, a veth into the bridge, its address, its folder. */
async function buildHost(b: Build, br: string, name: string, index: number, opts: RuntimeOptions): Promise<NetnsHost> {
  const ns = `fl-${b.runId}-${name}`;
  const address = subnetAddress(b.k, index + 1);
  await addNamespace(b, ns);
  const inner = `fl-${b.runId}-${index + 1}a`;
  const outer = `fl-${b.runId}-${index + 1}b`;
  await ip('link', 'add', inner, 'netns', ns, 'type', 'veth', 'peer', 'name', outer, 'netns', br);
  await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', inner);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  await ip('-n', ns, 'link', 'set', inner, 'up');
  await ip('-n', br, 'link', 'set', outer, 'master', br, 'up');
  const dir = `/tmp/fl-${b.runId}/${name}`;
  mkdirSync(dir, { recursive: true });
  const diskMb = opts.features?.diskMb;
  if (diskMb) await mountDisk(b, dir, `fl-${b.runId}-${name}`, diskMb);
  const disk = diskMb ? new ExecDisk((c, a, o) => runCommand('ip', ['netns', 'exec', ns, c, ...a], o), dir, diskMb * 2 ** 20) : undefined;
  return new NetnsHost(name, address, ns, dir, { logDir: opts.logDir, cleanup: b.undo, ledger: b.ledger }, b.clocks?.get(name), disk);
}

/** The run's temp folder, the subnet reservation and the ledger itself, undone last. */
async function reserveRun(b: Omit<Build, 'k'>): Promise<number> {
  b.undo.add(`ledger of run ${b.runId}`, () => {
    if (b.ledger.holdsLeftovers) b.log(`faultline: run ${b.runId} could not remove everything; \`faultline clean\` will (ledger ${b.ledger.file})`);
    else b.ledger.remove();
  });
  const subnet = await reserveSubnet(b.runId);
  b.ledger.add('files', subnet.lockFile);
  b.undo.add(`subnet 10.77.${subnet.k}.0/24`, () => {
    rmSync(subnet.lockFile, { force: true });
    b.ledger.drop('files', subnet.lockFile);
  });
  const runDir = `/tmp/fl-${b.runId}`;
  b.ledger.add('dirs', runDir);
  mkdirSync(runDir, { recursive: true });
  b.undo.add(`folder ${runDir}`, () => {
    rmSync(runDir, { recursive: true, force: true });
    b.ledger.drop('dirs', runDir);
  });
  return subnet.k;
}

async function create(opts: RuntimeOptions): Promise<Runtime> {
  checkHostNames(opts.hosts);
  mkdirSync(opts.logDir, { recursive: true });
  const { runId, ledger } = await claimRunId();
  const undo = new Cleanup();
  // one entry in the caller's cleanup runs every undo of this runtime, newest first
  opts.cleanup.add(`netns runtime ${runId}`, async () => {
    for (const e of await undo.runAll()) opts.log(`faultline: ${e}`);
  });
  try {
    const k = await reserveRun({ runId, ledger, undo, log: opts.log });
    const clocks = await makeHostClocks(opts.features?.clock, `/tmp/fl-${runId}/clock`, opts.hosts);
    const b: Build = { runId, ledger, undo, k, log: opts.log, clocks };
    const br = await buildBridge(b);
    const settled = await Promise.allSettled(opts.hosts.map((name, i) => buildHost(b, br, name, i, opts)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const hosts = settled.map((s) => (s as PromiseFulfilledResult<NetnsHost>).value);
    const harness = subnetAddress(k, HARNESS_HOST_OCTET);
    opts.log(`faultline: netns run ${runId}: ${hosts.map((h) => `${h.name}=${h.address}`).join(' ')} (harness ${harness})`);
    return new NetnsRuntime(runId, hosts, new IptablesPartitions(runId, hosts.map(namespacePartitionNode)), harness);
  } catch (err) {
    for (const e of await undo.runAll()) opts.log(`faultline: ${e}`);
    throw err;
  }
}

async function unavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces and iptables need root';
  for (const [tool, args] of [['ip', ['-V']], ['iptables', ['--version']]] as const) {
    const r = await runCommand(tool, [...args], { timeoutMs: 5000 }).catch(() => undefined);
    if (!r || r.code !== 0) return `the \`${tool}\` command is missing (install iproute2 and iptables)`;
  }
  return undefined;
}

const factory: RuntimeFactory = {
  kind: 'netns',
  unavailable,
  create,
  clean: (log, opts) => cleanLeftovers(log, opts ?? {}),
};

export default factory;
