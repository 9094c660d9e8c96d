// What an ssh run has (or is about to have) on each machine, kept in the run's ledger on the harness
// machine: how to log in again (user, address, port, the pinned host key, key file or agent), the
// run's folder, the partition chain, the disk mount, and every daemon (and clock strobe) with its pid
// and start time. Each item is written before the thing exists, so a harness killed at any moment
// leaves a ledger that names everything `faultline clean` must remove; items leave the ledger once
// they are gone.
import type { Ledger, LedgerProcess } from '../ledger.ts';

export interface MachineRecord {
  /** The host name the target knows it by (n1, nginx, ...). */
  name: string;
  user: string;
  /** What the harness dialled, and the port. */
  host: string;
  port: number;
  /** base64 of the host key pinned at the first connect. */
  hostKey: string;
  /** Whether iptables runs as is (root) or through `sudo -n`. */
  isRoot: boolean;
  /** <remote dir>/fl-<run> and this host's folder inside it. */
  runDir: string;
  dir: string;
  /** The folder may exist (its creation began). */
  folder: boolean;
  /** The partition chain, once its creation began. */
  chain?: string;
  /** The name of the size-limited tmpfs over `dir` (disk faults), once its mounting began. */
  mount?: string;
  processes: LedgerProcess[];
}

export interface SshRunState {
  /** How `faultline clean` logs in again: the same key file, or whatever agent it finds. */
  auth: { keyFile?: string };
  /** The local run's log folder, where `clean` leaves the logs it fetches. */
  logDir: string;
  machines: MachineRecord[];
}

/** Whether something of the run may still exist on the machine. */
export const needsVisit = (m: MachineRecord): boolean => m.folder || m.chain !== undefined || m.mount !== undefined || m.processes.length > 0;

export class RunRecord {
  constructor(private readonly ledger: Ledger, readonly state: SshRunState) {
    ledger.setState(state);
  }

  get runId(): string {
    return this.ledger.data.runId;
  }

  machine(name: string): MachineRecord {
    const m = this.state.machines.find((x) => x.name === name);
    if (!m) throw new Error(`no machine '${name}' in the record of run ${this.runId}`);
    return m;
  }

  /** Applies a change and writes the ledger before returning. */
  update(name: string, change: (m: MachineRecord) => void): void {
    change(this.machine(name));
    this.ledger.setState(this.state);
  }

  addProcess(name: string, p: LedgerProcess): void {
    this.update(name, (m) => m.processes.push(p));
  }

  dropProcess(name: string, pid: number): void {
    this.update(name, (m) => (m.processes = m.processes.filter((p) => p.pid !== pid)));
  }

  /** Whether anything may still exist on some machine. */
  get holdsLeftovers(): boolean {
    return this.state.machines.some(needsVisit);
  }

  /** The run ended cleanly: the ledger goes. */
  remove(): void {
    this.ledger.remove();
  }

  get ledgerFile(): string {
    return this.ledger.file;
  }
}
