// Partitions as iptables DROP rules inside each node's own network stack (its namespace on netns, its
// container on docker): the rules of net/iptables.ts, a chain named after the run (fl-<run>) that
// INPUT jumps to. Only node addresses are dropped, so the harness keeps reaching every node and can
// watch a minority fail. heal() flushes the chains; the rules vanish with the namespaces or containers
// anyway at the end of the run. Which rules is decided here; how iptables-restore reaches a node is
// the runtime's business (it hands each node's `iptablesRestore` in), so this file knows no runtime.
import { HarnessError } from '../errors.ts';
import type { Grudge } from './grudge.ts';
import { chainRulesScript, chainSetupScript, partitionChain } from './iptables.ts';

/** What partitioning needs of a node. */
export interface PartitionNode {
  name: string;
  address: string;
  /** Runs `iptables-restore -w 5 --noflush` with `script` on stdin in the node's network stack;
   *  rejects, saying why, when it fails. */
  iptablesRestore(script: string): Promise<void>;
}

/** The drop rules of one run's nodes: a Network's partition/heal for runtimes with real addresses. */
export class IptablesPartitions {
  private readonly chain: string;
  /** Nodes whose chain exists (set up on first use: runs without partitions pay nothing). */
  private readonly ready = new Map<string, Promise<void>>();
  private current: Grudge = {};

  constructor(runId: string, private readonly nodes: readonly PartitionNode[]) {
    this.chain = partitionChain(runId);
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
    const sources = (n: PartitionNode) => (grudge[n.name] ?? []).flatMap((d) => byName.get(d)?.address ?? []);
    await Promise.all(this.nodes.map((n) => this.apply(n, sources(n))));
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
    await node.iptablesRestore(chainRulesScript(this.chain, sources));
  }

  private setup(node: PartitionNode): Promise<void> {
    let p = this.ready.get(node.name);
    if (!p) {
      p = node.iptablesRestore(chainSetupScript(this.chain));
      p.catch(() => this.ready.delete(node.name));
      this.ready.set(node.name, p);
    }
    return p;
  }
}
