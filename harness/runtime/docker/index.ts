// The container runtime (`--runtime docker`): every host is a container from a locally built fl-
// image (docker/setup.sh), started through testcontainers on a user-defined network fl-<run>, so the
// same targets and nemeses run unchanged in containers. No registry is reachable: images are never
// pulled, and testcontainers' reaper is replaced by labels plus `faultline clean`. Everything is
// registered for undo the moment it exists; a failed start removes what it started and rethrows.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerRuntimeClient } from 'testcontainers';
import { Cleanup } from '../../cleanup.ts';
import { HarnessError, UsageError } from '../../errors.ts';
import { Ledger } from '../ledger.ts';
import { pidStartTime } from '../process.ts';
import type { Runtime, RuntimeFactory, RuntimeOptions } from '../types.ts';
import { cleanLeftovers } from './clean.ts';
import { engine, engineIsLocal, LABEL, requireImage } from './engine.ts';
import { ContainerHost, startNode } from './host.ts';
import { imageFor, type NodeImage } from './images.ts';
import { containerPartitionNode, createRunNetwork, type RunNetwork } from './network.ts';
import { IptablesPartitions } from '../../net/partition.ts';
import { libfaketimePath, makeHostClocks, type FileClock } from '../clock/fake-clock.ts';
import { ExecDisk, mountDisk } from '../disk/tmpfs-disk.ts';

/** The repo root, mounted read-only into every container at the same path. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface DockerRuntimeOptions extends RuntimeOptions {
  /** Image per host name, overriding the choice by name (see images.ts). */
  images?: Record<string, string>;
  /** Deadline for each container to start and pass its readiness check (default 30 s). */
  readyTimeoutMs?: number;
}

export class DockerRuntime implements Runtime {
  readonly kind = 'docker' as const;
  constructor(readonly runId: string, readonly hosts: readonly ContainerHost[], readonly network: IptablesPartitions, readonly networkName: string) {}

  host(name: string): ContainerHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new HarnessError(`no host '${name}' in run ${this.runId} (hosts: ${this.hosts.map((x) => x.name).join(', ')})`);
    return h;
  }
}

function checkHostNames(hosts: string[]): void {
  if (hosts.length === 0 || hosts.length > 100) throw new UsageError(`docker runtime needs 1 to 100 hosts, got ${hosts.length}`);
  for (const h of hosts) if (!/^[a-z0-9][a-z0-9-]{0,15}$/.test(h)) throw new UsageError(`host name '${h}' must be 1-16 lower-case letters, digits or dashes`);
  if (new Set(hosts).size !== hosts.length) throw new UsageError(`host names must be unique: ${hosts.join(', ')}`);
}

/** A fresh run id, claimed through the same ledger folder netns and local runs use, so ids never clash. */
function claimRun(): Ledger {
  for (let attempt = 0; attempt < 50; attempt++) {
    const ledger = Ledger.claim(randomBytes(2).toString('hex'), 'docker');
    if (ledger) return ledger;
  }
  throw new HarnessError('could not find a free run id (run `faultline clean`?)');
}

/** The labels every container and network of this run carries. */
function runLabels(runId: string): Record<string, string> {
  return { [LABEL.marker]: '1', [LABEL.run]: runId, [LABEL.ownerPid]: String(process.pid), [LABEL.ownerStart]: String(pidStartTime(process.pid) ?? '') };
}

/** /tmp/fl-<run>, holding each host's bind-mounted folder; undone last but the ledger. */
function makeRunDir(ledger: Ledger, undo: Cleanup): string {
  const runDir = `/tmp/fl-${ledger.data.runId}`;
  mkdirSync(runDir, { recursive: true });
  ledger.add('dirs', runDir);
  undo.add(`folder ${runDir}`, () => {
    rmSync(runDir, { recursive: true, force: true });
    ledger.drop('dirs', runDir);
  });
  return runDir;
}

async function addNetwork(client: ContainerRuntimeClient, runId: string, undo: Cleanup): Promise<RunNetwork> {
  const net = await createRunNetwork(client, runId, runLabels(runId));
  undo.add(`network ${net.name}`, async () => {
    try {
      await net.network.remove();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  });
  return net;
}

/** What starting the hosts of one run needs. */
interface Build {
  client: ContainerRuntimeClient;
  runId: string;
  undo: Cleanup;
  runDir: string;
  net: RunNetwork;
  images: NodeImage[];
  ledger: Ledger;
  clocks?: Map<string, FileClock>;
}

/** All containers at once; allSettled, so every host has started or failed before anything is undone. */
async function startHosts(b: Build, opts: DockerRuntimeOptions): Promise<ContainerHost[]> {
  const settled = await Promise.allSettled(opts.hosts.map(async (name, i) => {
    const dir = path.join(b.runDir, name);
    mkdirSync(dir, { recursive: true });
    // before the container exists, so its bind mount of the folder is the size-limited filesystem
    const diskMb = opts.features?.diskMb;
    if (diskMb) await mountDisk({ ledger: b.ledger, undo: b.undo }, dir, `fl-${b.runId}-${name}`, diskMb);
    const address = `10.77.${b.net.k}.${i + 2}`;
    const labels = { ...runLabels(b.runId), 'faultline.host': name };
    const extraReadOnly = b.clocks ? [path.join(b.runDir, 'clock')] : [];
    const spec = { runId: b.runId, name, image: b.images[i], network: b.net.name, address, dir, repoRoot: REPO_ROOT, labels, readyTimeoutMs: opts.readyTimeoutMs ?? 30_000, extraReadOnly };
    const container = await startNode(b.client, spec, b.undo);
    const ctx = { client: b.client, logDir: opts.logDir, cleanup: b.undo };
    let host: ContainerHost | undefined;
    const disk = diskMb ? new ExecDisk((c, a, o) => host!.exec(c, a, o), dir, diskMb * 2 ** 20) : undefined;
    host = new ContainerHost(name, address, dir, container, ctx, b.clocks?.get(name), disk);
    if (b.clocks) await requireFakeTime(host, b.images[i].image);
    return host;
  }));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<ContainerHost>).value);
}

/** Clock faults need libfaketime inside the image (the Dockerfiles install it since images carried it). */
async function requireFakeTime(host: ContainerHost, image: string): Promise<void> {
  const r = await host.exec('test', ['-e', libfaketimePath()], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new UsageError(`image ${image} has no libfaketime for clock faults: rebuild the images with FL_DOCKER_REBUILD=1 bash docker/setup.sh`);
}

async function create(opts: DockerRuntimeOptions): Promise<Runtime> {
  checkHostNames(opts.hosts);
  mkdirSync(opts.logDir, { recursive: true });
  const client = await engine();
  const images = opts.hosts.map((h) => imageFor(h, opts.images));
  for (const image of new Set(images.map((i) => i.image))) await requireImage(client, image);
  const ledger = claimRun();
  const runId = ledger.data.runId;
  const undo = new Cleanup();
  undo.add(`ledger of run ${runId}`, () => ledger.remove());
  // one entry in the caller's cleanup runs every undo of this runtime, newest first
  opts.cleanup.add(`docker runtime ${runId}`, async () => {
    for (const e of await undo.runAll()) opts.log(`faultline: ${e}`);
  });
  try {
    const runDir = makeRunDir(ledger, undo);
    const net = await addNetwork(client, runId, undo);
    const clocks = await makeHostClocks(opts.features?.clock, path.join(runDir, 'clock'), opts.hosts);
    const hosts = await startHosts({ client, runId, undo, runDir, net, images, ledger, clocks }, opts);
    opts.log(`faultline: docker run ${runId} on network ${net.name} (10.77.${net.k}.0/24): ${hosts.map((h) => `${h.name}=${h.address}`).join(' ')}`);
    return new DockerRuntime(runId, hosts, new IptablesPartitions(runId, hosts.map(containerPartitionNode)), net.name);
  } catch (err) {
    for (const e of await undo.runAll()) opts.log(`faultline: ${e}`);
    throw err;
  }
}

async function unavailable(): Promise<string | undefined> {
  try {
    const client = await engine();
    if (!engineIsLocal(client)) return 'the Docker engine is reached over the network, not through a local socket (faultline signals container processes by their pid on this machine)';
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const factory: RuntimeFactory & { create(opts: DockerRuntimeOptions): Promise<Runtime>; clean(log: (line: string) => void, opts?: { all?: boolean }): Promise<void> } = {
  kind: 'docker',
  unavailable,
  create,
  clean: async (log, opts) => cleanLeftovers(await engine(), log, opts ?? {}),
};

export default factory;
