// Partitions on real machines: on each machine an iptables chain fl-<run> that INPUT jumps to, with
// one DROP per node address it must not hear (the same rules netns installs in its namespaces, from
// net/iptables.ts). Only node addresses are dropped, so the harness's control connection and its
// clients keep reaching every machine while the nodes cannot reach each other, as in Jepsen. The chain
// goes into the ledger before it is created and is removed at the end of the run (or by `clean`).
// Each change is one command per machine, all machines at once; how long that took is kept, since
// it is what a fault costs over the control connection.
import type { Cleanup } from '../../cleanup.ts';
import { HarnessError } from '../../errors.ts';
import type { Grudge } from '../../net/grudge.ts';
import { APPLY_CHAIN_SH, chainRulesScript, chainSetupScript, partitionChain, REMOVE_CHAIN_SH } from '../../net/iptables.ts';
import type { Network } from '../types.ts';
import type { SshConnection } from './connection.ts';
import type { RunRecord } from './record.ts';
import { asRootCommand } from './shell.ts';

const IPTABLES_TIMEOUT_MS = 15_000;

/** What partitioning needs of a machine. */
export interface PartitionMachine {
  name: string;
  address: string;
  isRoot: boolean;
  conn: SshConnection;
}

/** Runs a script that calls iptables as `$S iptables …`, as root or through sudo -n. */
export const iptablesCommand = asRootCommand;

/** Removes the run's chain from one machine; throws when it could not. */
export async function removeChain(conn: SshConnection, isRoot: boolean, chain: string): Promise<void> {
  const r = await conn.run(iptablesCommand(isRoot, REMOVE_CHAIN_SH, [chain]), { timeoutMs: IPTABLES_TIMEOUT_MS, what: `removing iptables chain ${chain}` });
  if (r.code !== 0) throw new HarnessError(`cannot remove iptables chain ${chain} on ${conn.label}: ${r.stderr.trim() || `exit ${r.code}`}`);
}

export class SshNetwork implements Network {
  private readonly chain: string;
  /** Machines whose chain exists (made on first use: runs without partitions pay nothing). */
  private readonly installed = new Set<string>();
  private current: Grudge = {};
  /** Milliseconds each partition/heal took until every machine had its rules. */
  readonly applyMs: number[] = [];

  constructor(runId: string, private readonly machines: readonly PartitionMachine[], private readonly record: RunRecord, private readonly undo: Cleanup) {
    this.chain = partitionChain(runId);
  }

  get grudge(): Grudge {
    return this.current;
  }

  async partition(grudge: Grudge): Promise<void> {
    const byName = new Map(this.machines.map((m) => [m.name, m]));
    for (const [node, dropped] of Object.entries(grudge)) {
      for (const n of [node, ...dropped]) if (!byName.has(n)) throw new HarnessError(`partition names unknown host '${n}' (hosts: ${[...byName.keys()].join(', ')})`);
    }
    await this.timed(this.machines.map((m) => this.apply(m, (grudge[m.name] ?? []).map((n) => byName.get(n)!.address))));
    this.current = Object.fromEntries(Object.entries(grudge).filter(([, v]) => v.length));
  }

  async heal(): Promise<void> {
    await this.timed(this.machines.filter((m) => this.installed.has(m.name)).map((m) => this.apply(m, [])));
    this.current = {};
  }

  private async timed(work: Promise<void>[]): Promise<void> {
    const t0 = performance.now();
    await Promise.all(work);
    if (work.length) this.applyMs.push(Math.round(performance.now() - t0));
  }

  /** Makes `m` drop exactly the traffic from `sources`: creates the chain if needed, then one atomic load. */
  private async apply(m: PartitionMachine, sources: string[]): Promise<void> {
    if (sources.length === 0 && !this.installed.has(m.name)) return;
    if (!this.installed.has(m.name)) this.recordChain(m);
    const r = await m.conn.run(iptablesCommand(m.isRoot, APPLY_CHAIN_SH, [chainRulesScript(this.chain, sources), chainSetupScript(this.chain), this.chain]), {
      timeoutMs: IPTABLES_TIMEOUT_MS, what: `iptables-restore of chain ${this.chain}`,
    });
    if (r.code !== 0) throw new HarnessError(`iptables on ${m.conn.label} failed (exit ${r.code}): ${r.stderr.trim()}${m.isRoot ? '' : ' (the login is not root: it needs passwordless sudo for iptables)'}`);
    this.installed.add(m.name);
  }

  /** Into the ledger before it exists, with its removal registered at once. */
  private recordChain(m: PartitionMachine): void {
    if (this.record.machine(m.name).chain) return;
    this.record.update(m.name, (r) => (r.chain = this.chain));
    this.undo.add(`iptables chain ${this.chain} on ${m.name}`, async () => {
      await removeChain(m.conn, m.isRoot, this.chain);
      this.installed.delete(m.name);
      this.record.update(m.name, (r) => delete r.chain);
    });
  }
}
