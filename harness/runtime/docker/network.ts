// The run's network in Docker and the partitions on it. Each run gets a user-defined bridge network
// fl-<run> on a 10.77.k.0/24 of its own (k in 128..254; netns keeps 1..127), so containers find each
// other by alias and every address we ever send to lies in 10.77/16. Partitions are iptables DROP
// rules inside each node container (NET_ADMIN), in a chain fl-<run> that INPUT jumps to; only node
// addresses are dropped, so the harness (the network's gateway, or the loopback port mapping) keeps
// reaching every node. heal() flushes the chains; they vanish with the containers anyway.
import type Dockerode from 'dockerode';
import type { ContainerRuntimeClient } from 'testcontainers';
import { HarnessError } from '../../errors.ts';
import type { Grudge } from '../../net/grudge.ts';
import { runChecked } from '../process.ts';
import type { ExecResult, Network } from '../types.ts';

const SUBNET_FIRST = 128;
const SUBNET_LAST = 254;

export interface RunNetwork {
  name: string;
  k: number;
  network: Dockerode.Network;
}

/** Third octets of 10.77.x.y addresses already configured on this machine (netns runs, other docker runs). */
async function subnetsInUse(): Promise<Set<number>> {
  const out = await runChecked('ip', ['-o', '-4', 'addr', 'show'], { timeoutMs: 10_000 });
  return new Set([...out.matchAll(/inet 10\.77\.(\d+)\.\d+/g)].map((m) => Number(m[1])));
}

/** Creates fl-<run> on the first free 10.77.k.0/24, starting from a point derived from the run id. */
export async function createRunNetwork(client: ContainerRuntimeClient, runId: string, labels: Record<string, string>): Promise<RunNetwork> {
  const used = await subnetsInUse();
  const span = SUBNET_LAST - SUBNET_FIRST + 1;
  const name = `fl-${runId}`;
  let last = '';
  for (let i = 0; i < span; i++) {
    const k = SUBNET_FIRST + ((parseInt(runId, 16) + i) % span);
    if (used.has(k)) continue;
    try {
      const network = await client.network.create({
        Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labels,
        IPAM: { Driver: 'default', Config: [{ Subnet: `10.77.${k}.0/24`, Gateway: `10.77.${k}.1` }] },
      });
      return { name, k, network };
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
      if (!/overlap/i.test(last)) throw new HarnessError(`cannot create Docker network ${name}: ${last}`);
    }
  }
  throw new HarnessError(`no free subnet in 10.77.${SUBNET_FIRST}-${SUBNET_LAST}.0/24 for Docker network ${name} (${last || 'all in use'}); run \`faultline clean\``);
}

/** What partitioning needs of a node container. */
export interface PartitionNode {
  name: string;
  address: string;
  exec(command: string, args: string[], opts?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
}

const IPTABLES_TIMEOUT_MS = 15_000;

export class ContainerNetwork implements Network {
  private readonly chain: string;
  /** Nodes whose chain exists (set up on first use: runs without partitions pay nothing). */
  private readonly ready = new Map<string, Promise<void>>();
  private current: Grudge = {};

  constructor(runId: string, private readonly nodes: readonly PartitionNode[]) {
    this.chain = `fl-${runId}`;
  }

  /** The grudge in force (empty after heal). */
  get grudge(): Grudge {
    return this.current;
  }

  /** Replaces whatever partition is in force by `grudge`: grudge[a] lists the nodes whose traffic a drops. */
  async partition(grudge: Grudge): Promise<void> {
    const byName = new Map(this.nodes.map((n) => [n.name, n]));
    for (const [node, dropped] of Object.entries(grudge)) {
      for (const n of [node, ...dropped]) if (!byName.has(n)) throw new HarnessError(`partition names unknown host '${n}' (hosts: ${[...byName.keys()].join(', ')})`);
    }
    await Promise.all(this.nodes.map((n) => this.apply(n, (grudge[n.name] ?? []).map((d) => byName.get(d)!.address))));
    this.current = Object.fromEntries(Object.entries(grudge).filter(([, v]) => v.length));
  }

  async heal(): Promise<void> {
    await Promise.all(this.nodes.filter((n) => this.ready.has(n.name)).map((n) => this.apply(n, [])));
    this.current = {};
  }

  /** Makes `node` drop exactly the traffic from `sources` (one atomic iptables-restore). */
  private async apply(node: PartitionNode, sources: string[]): Promise<void> {
    if (sources.length === 0 && !this.ready.has(node.name)) return;
    await this.setup(node);
    const rules = sources.map((s) => `-A ${this.chain} -s ${s}/32 -j DROP -m comment --comment ${this.chain}`);
    await this.restore(node, ['*filter', `-F ${this.chain}`, ...rules, 'COMMIT', '']);
  }

  private setup(node: PartitionNode): Promise<void> {
    let p = this.ready.get(node.name);
    if (!p) {
      p = this.restore(node, ['*filter', `:${this.chain} - [0:0]`, `-I INPUT -j ${this.chain} -m comment --comment ${this.chain}`, 'COMMIT', '']);
      p.catch(() => this.ready.delete(node.name));
      this.ready.set(node.name, p);
    }
    return p;
  }

  private async restore(node: PartitionNode, lines: string[]): Promise<void> {
    const r = await node.exec('iptables-restore', ['-w', '5', '--noflush'], { input: lines.join('\n'), timeoutMs: IPTABLES_TIMEOUT_MS });
    if (r.code !== 0) throw new HarnessError(`iptables-restore in ${node.name} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
}
