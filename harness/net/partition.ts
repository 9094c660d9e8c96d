// Partitions on the netns runtime: iptables DROP rules inside each node's own namespace, in a chain
// named after the run (fl-<run>) that INPUT jumps to. Only node addresses are dropped, so the
// harness (10.77.k.254, the clients) keeps reaching every node and can watch a minority fail.
// heal() flushes the chains; the rules vanish with the namespaces anyway at the end of the run.
import { HarnessError } from '../errors.ts';
import type { Network } from '../runtime/types.ts';
import { runChecked } from '../runtime/process.ts';
import type { Grudge } from './grudge.ts';
import { chainRulesScript, chainSetupScript, partitionChain } from './iptables.ts';

/** What partitioning needs to know about a host. */
export interface PartitionHost {
  name: string;
  address: string;
  namespace: string;
}

const IPTABLES_TIMEOUT_MS = 15_000;

export class NetnsNetwork implements Network {
  private readonly chain: string;
  /** Hosts whose chain exists (set up on first use: runs without partitions pay nothing). */
  private readonly ready = new Map<string, Promise<void>>();
  private current: Grudge = {};

  constructor(runId: string, private readonly hosts: readonly PartitionHost[]) {
    this.chain = partitionChain(runId);
  }

  /** The grudge in force (empty after heal). */
  get grudge(): Grudge {
    return this.current;
  }

  /** Replaces whatever partition is in force by `grudge`. */
  async partition(grudge: Grudge): Promise<void> {
    const byName = new Map(this.hosts.map((h) => [h.name, h]));
    for (const [node, dropped] of Object.entries(grudge)) {
      for (const n of [node, ...dropped]) if (!byName.has(n)) throw new HarnessError(`partition names unknown host '${n}' (hosts: ${[...byName.keys()].join(', ')})`);
    }
    await Promise.all(this.hosts.map((h) => this.apply(h, (grudge[h.name] ?? []).map((n) => byName.get(n)!.address))));
    this.current = Object.fromEntries(Object.entries(grudge).filter(([, v]) => v.length));
  }

  async heal(): Promise<void> {
    await Promise.all([...this.ready.keys()].map((name) => this.apply(this.hosts.find((h) => h.name === name)!, [])));
    this.current = {};
  }

  /** Makes `host` drop exactly the traffic from `sources` (one iptables-restore, atomic). */
  private async apply(host: PartitionHost, sources: string[]): Promise<void> {
    if (sources.length === 0 && !this.ready.has(host.name)) return;
    await this.setup(host);
    const script = chainRulesScript(this.chain, sources);
    await runChecked('ip', ['netns', 'exec', host.namespace, 'iptables-restore', '-w', '5', '--noflush'], { input: script, timeoutMs: IPTABLES_TIMEOUT_MS });
  }

  private setup(host: PartitionHost): Promise<void> {
    let p = this.ready.get(host.name);
    if (!p) {
      const script = chainSetupScript(this.chain);
      p = runChecked('ip', ['netns', 'exec', host.namespace, 'iptables-restore', '-w', '5', '--noflush'], { input: script, timeoutMs: IPTABLES_TIMEOUT_MS }).then(() => undefined);
      p.catch(() => this.ready.delete(host.name));
      this.ready.set(host.name, p);
    }
    return p;
  }
}
