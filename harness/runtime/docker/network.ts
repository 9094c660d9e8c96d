// The run's network in Docker and the partitions on it. Each run gets a user-defined bridge network
// fl-<run> on a 10.77.k.0/24 of its own (k in 128..254; netns keeps 1..127), so containers find each
// other by alias and every address we ever send to lies in 10.77/16. Partitions are iptables DROP
// rules inside each node container (NET_ADMIN; the rules themselves: net/partition.ts); only node
// addresses are dropped, so the harness (the network's gateway, or the loopback port mapping) keeps
// reaching every node.
import type Dockerode from 'dockerode';
import type { ContainerRuntimeClient } from 'testcontainers';
import { HarnessError } from '../../errors.ts';
import type { PartitionNode } from '../../net/partition.ts';
import { runChecked } from '../process.ts';
import type { ExecResult } from '../types.ts';

const SUBNET_FIRST = 128;
const IPTABLES_TIMEOUT_MS = 15_000;
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

/** A node container's side of the run's partitions: iptables-restore run inside it (NET_ADMIN). */
export function containerPartitionNode(node: { name: string; address: string; exec(command: string, args: string[], opts?: { timeoutMs?: number; input?: string }): Promise<ExecResult> }): PartitionNode {
  return {
    name: node.name,
    address: node.address,
    async iptablesRestore(script) {
      const r = await node.exec('iptables-restore', ['-w', '5', '--noflush'], { input: script, timeoutMs: IPTABLES_TIMEOUT_MS });
      if (r.code !== 0) throw new HarnessError(`iptables-restore in ${node.name} failed (exit ${r.code}): ${r.stderr.trim()}`);
    },
  };
}

