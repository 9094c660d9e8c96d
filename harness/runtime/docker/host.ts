// One node of the docker runtime: a container from a locally built fl- image, on the run's network
// under its host name as alias, with NET_ADMIN (for partitions) and an init as PID 1 that idles and
// reaps. The repo is mounted read-only at its own path (targets find their files, e.g. the WSGI app),
// and so is this Node binary (a target written in TypeScript runs `node --import tsx` inside), and
// the host's folder is a bind mount at the same path on both sides, so a config written by the
// harness or by a process inside is the same file. Services listen on their conventional ports; the
// harness reaches the published ones through mapped loopback ports, the rest at the node's address.
import path from 'node:path';
import type Dockerode from 'dockerode';
import type { ContainerRuntimeClient } from 'testcontainers';
import type { Cleanup } from '../../cleanup.ts';
import { HarnessError } from '../../errors.ts';
import type { ExecResult, Host, HostDisk, HostProcess, ProcessSpec } from '../types.ts';
import type { FileClock } from '../clock/fake-clock.ts';
import { NEVER_PULL, tc } from './engine.ts';
import { ContainerProcess, execOnce } from './exec.ts';
import type { NodeImage } from './images.ts';

export interface NodeSpec {
  runId: string;
  name: string;
  image: NodeImage;
  network: string;
  address: string;
  dir: string;
  repoRoot: string;
  labels: Record<string, string>;
  /** Deadline to start and pass the readiness check (iptables answers, so partitions will work). */
  readyTimeoutMs: number;
  /** More folders of this machine to mount at the same path (read-only), e.g. the run's clock files. */
  extraReadOnly?: string[];
}

/** testcontainers' GenericContainer with what its builder does not offer: an init, a fixed address
 *  and alias on our network in one step, and ports published on 127.0.0.1 only. */
class NodeContainer extends tc.GenericContainer {
  constructor(spec: NodeSpec) {
    super(spec.image.image);
    this.hostConfig.Init = true;
    this.hostConfig.PortBindings = Object.fromEntries(spec.image.ports.map((p) => [`${p}/tcp`, [{ HostIp: '127.0.0.1', HostPort: '' }]]));
    this.createOpts.ExposedPorts = Object.fromEntries(spec.image.ports.map((p) => [`${p}/tcp`, {}]));
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [spec.network]: { Aliases: [spec.name], IPAMConfig: { IPv4Address: spec.address } } } };
  }
}

/** Creates and starts the node's container; its removal is registered in `undo` before it exists. */
export async function startNode(client: ContainerRuntimeClient, spec: NodeSpec, undo: Cleanup): Promise<Dockerode.Container> {
  const name = `fl-${spec.runId}-${spec.name}`;
  undo.add(`container ${name}`, () => removeContainer(client, name));
  try {
    const started = await new NodeContainer(spec)
      .withName(name)
      .withHostname(spec.name)
      .withLabels(spec.labels)
      .withNetworkMode(spec.network)
      .withAddedCapabilities('NET_ADMIN')
      .withPullPolicy(NEVER_PULL)
      .withBindMounts([
        { source: spec.repoRoot, target: spec.repoRoot, mode: 'ro' },
        { source: spec.dir, target: spec.dir, mode: 'rw' },
        { source: process.execPath, target: process.execPath, mode: 'ro' },
        ...(spec.extraReadOnly ?? []).map((dir) => ({ source: dir, target: dir, mode: 'ro' as const })),
      ])
      .withCommand(['sleep', 'infinity'])
      .withWaitStrategy(tc.Wait.forSuccessfulCommand('iptables -w 5 -S INPUT'))
      .withStartupTimeout(spec.readyTimeoutMs)
      .start();
    return client.container.getById(started.getId());
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new HarnessError(`container ${name} (${spec.image.image}) did not start and get ready (iptables answering) within ${spec.readyTimeoutMs / 1000}s: ${why}`, { cause: err });
  }
}

/** Removes a container and its anonymous volumes; a container already gone is fine. */
export async function removeContainer(client: ContainerRuntimeClient, idOrName: string): Promise<void> {
  try {
    await client.container.getById(idOrName).remove({ force: true, v: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

/** Loopback ports the engine mapped to the container's published ports. */
async function mappedPorts(container: Dockerode.Container): Promise<Map<number, number>> {
  const info = await container.inspect();
  const ports = new Map<number, number>();
  for (const [key, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
    const hostPort = bindings?.find((b) => b.HostIp === '127.0.0.1')?.HostPort;
    if (hostPort) ports.set(Number(key.split('/')[0]), Number(hostPort));
  }
  return ports;
}

export interface HostContext {
  client: ContainerRuntimeClient;
  logDir: string;
  cleanup: Cleanup;
}

export class ContainerHost implements Host {
  private ports: Promise<Map<number, number>> | undefined;

  constructor(
    readonly name: string,
    /** The node's address on the run's network (10.77.k.x). */
    readonly address: string,
    readonly dir: string,
    readonly container: Dockerode.Container,
    private readonly ctx: HostContext,
    readonly clock?: FileClock,
    readonly disk?: HostDisk,
  ) {}

  port(base: number): number {
    return base;
  }

  /** A published port through its loopback mapping (read from the engine; again after `forgetPorts`),
   *  any other port at the node's own address, which the harness reaches through the network's gateway. */
  async endpoint(base: number): Promise<{ host: string; port: number }> {
    this.ports ??= mappedPorts(this.container);
    const mapped = (await this.ports).get(base);
    return mapped === undefined ? { host: this.address, port: base } : { host: '127.0.0.1', port: mapped };
  }

  /** Mapped ports change when a container is restarted: call this after one. */
  forgetPorts(): void {
    this.ports = undefined;
  }

  async peerEndpoint(_from: Host, base: number): Promise<{ host: string; port: number }> {
    return { host: this.name, port: base };
  }

  async spawn(spec: ProcessSpec): Promise<HostProcess> {
    const logFile = path.join(this.ctx.logDir, `${this.name}-${spec.name}.log`);
    const proc = await ContainerProcess.start(this.ctx.client.container.dockerode.modem, this.container, spec.name, { cmd: [spec.command, ...spec.args], env: this.clock ? { ...spec.env, ...this.clock.env(spec.env) } : spec.env, cwd: spec.cwd ?? this.dir }, logFile);
    this.ctx.cleanup.add(`${spec.name} on ${this.name} (pid ${proc.pid})`, () => proc.stop());
    return proc;
  }

  exec(command: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
    if (!command) throw new HarnessError(`empty command for ${this.name}`);
    return execOnce(this.ctx.client.container.dockerode.modem, this.container, { cmd: [command, ...args], cwd: this.dir }, opts);
  }

  /** Through the container (a path outside the bind-mounted folder lives only in there). */
  async writeFile(file: string, text: string): Promise<void> {
    const r = await this.exec('sh', ['-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', file], { input: text, timeoutMs: 10_000 });
    if (r.code !== 0) throw new HarnessError(`cannot write ${file} on ${this.name}: ${r.stderr.trim()}`);
  }
}
