// The leftover ledger (shared by every runtime): a run writes down, as it creates them, every namespace, link, process and
// folder it owns, together with its own pid. A run that ends normally deletes its ledger; one that was
// SIGKILLed leaves it behind, and `faultline clean` removes exactly what that ledger lists once its
// owner is dead — never anything a still-running run (another engineer's test) owns.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pidStartTime, sameProcess } from './process.ts';

/** Every process a run starts carries `FAULTLINE_RUN=<run id>` in its environment, and so do its
 *  forks and a daemon it turns into. The ledger exists before the first of them starts, so `clean`
 *  finds a dead run's processes by this tag even when they escaped the ledger's process list: a
 *  daemonized uWSGI (a new session, a pid nobody recorded), the membership recipe's member
 *  processes, or a process the harness started just before it died. */
export const RUN_ENV = 'FAULTLINE_RUN';

/** The environment entry that tags a process as run `runId`'s. */
export const runTag = (runId: string): Record<string, string> => ({ [RUN_ENV]: runId });

/** The live processes tagged by some run, with that run's id (those whose environment this user may
 *  read; faultline's own process is left out). */
export function taggedProcesses(): { pid: number; runId: string }[] {
  const found: { pid: number; runId: string }[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    const tag = environ.split('\0').find((e) => e.startsWith(`${RUN_ENV}=`));
    if (tag) found.push({ pid, runId: tag.slice(RUN_ENV.length + 1) });
  }
  return found;
}

/** Pids of the live processes tagged as run `runId`'s. */
export const processesTagged = (runId: string): number[] => taggedProcesses().filter((p) => p.runId === runId).map((p) => p.pid);

/** SIGKILLs what a dead run left running under its tag; says each on `log`. */
export function killTagged(runId: string, log: (line: string) => void, who: string): void {
  for (const pid of processesTagged(runId)) {
    try {
      process.kill(pid, 'SIGKILL');
      log(`${who}: killed pid ${pid} (tagged ${RUN_ENV}=${runId}) of run ${runId}`);
    } catch {
      // exited meanwhile
    }
  }
}

export interface LedgerProcess {
  pid: number;
  start: number | undefined;
  name: string;
}

export interface LedgerData {
  runId: string;
  kind: string;
  ownerPid: number;
  ownerStart: number | undefined;
  createdAt: string;
  /** Reservation files (e.g. the subnet lock) to remove with the run. */
  files: string[];
  namespaces: string[];
  /** Links in the root namespace (links inside our namespaces vanish with them). */
  links: string[];
  processes: LedgerProcess[];
  dirs: string[];
  /** Filesystems mounted for the run (size-limited host folders); absent in older ledgers. */
  mounts?: string[];
  /** What a runtime records beyond these lists, in its own shape (ssh: per machine its chain,
   *  daemons and folder), read back by that runtime's `clean`. */
  state?: unknown;
}

type ListField = 'files' | 'namespaces' | 'links' | 'dirs' | 'mounts';

const LEDGER_DIRS = ['/run/faultline', path.join(tmpdir(), 'faultline')];

/** /run/faultline when we may write there (root), else <tmpdir>/faultline. */
export function ledgerDir(): string {
  for (const dir of LEDGER_DIRS) {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      // not writable: try the next place
    }
  }
  throw new Error('no writable folder for the faultline ledger (/run/faultline or the temp dir)');
}

/** Every folder ledgers may be in: root runs use /run/faultline, others the temp dir; a root
 *  `faultline clean` must see both. */
function ledgerDirs(): string[] {
  const dirs = [...new Set(LEDGER_DIRS.filter((d) => existsSync(d)))];
  return dirs;
}

export class Ledger {
  private removed = false;

  private constructor(readonly file: string, readonly data: LedgerData) {}

  /** Claims `runId` by creating its ledger exclusively; undefined when that id is taken. */
  static claim(runId: string, kind: string): Ledger | undefined {
    const file = path.join(ledgerDir(), `${runId}.json`);
    const data: LedgerData = {
      runId, kind, ownerPid: process.pid, ownerStart: pidStartTime(process.pid), createdAt: new Date().toISOString(),
      files: [], namespaces: [], links: [], processes: [], dirs: [],
    };
    try {
      writeFileSync(file, JSON.stringify(data, null, 2), { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw err;
    }
    return new Ledger(file, data);
  }

  /** Every ledger on this machine (unreadable ones are skipped). */
  static list(): { file: string; data: LedgerData }[] {
    const out: { file: string; data: LedgerData }[] = [];
    for (const dir of ledgerDirs()) out.push(...Ledger.listIn(dir));
    return out;
  }

  private static listIn(dir: string): { file: string; data: LedgerData }[] {
    const out: { file: string; data: LedgerData }[] = [];
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        out.push({ file: path.join(dir, name), data: JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as LedgerData });
      } catch {
        // being written right now, or not ours
      }
    }
    return out;
  }

  /** Whether the faultline process that wrote this ledger still runs. */
  static ownerAlive(data: LedgerData): boolean {
    return sameProcess(data.ownerPid, data.ownerStart);
  }

  add(field: ListField, item: string): void {
    (this.data[field] ??= []).push(item);
    this.save();
  }

  drop(field: ListField, item: string): void {
    const list = this.data[field] ?? [];
    const at = list.indexOf(item);
    if (at >= 0) list.splice(at, 1);
    this.save();
  }

  addProcess(p: LedgerProcess): void {
    this.data.processes.push(p);
    this.save();
  }

  dropProcess(pid: number): void {
    this.data.processes = this.data.processes.filter((p) => p.pid !== pid);
    this.save();
  }

  /** Replaces the runtime's own part of the ledger and writes it at once, like every other change. */
  setState(state: unknown): void {
    this.data.state = state;
    this.save();
  }

  /** The run is over and everything listed is gone. */
  remove(): void {
    this.removed = true;
    rmSync(this.file, { force: true });
  }

  /** Whether the run still lists something it created and has not removed. */
  get holdsLeftovers(): boolean {
    const d = this.data;
    return d.files.length + d.namespaces.length + d.links.length + d.processes.length + d.dirs.length + (d.mounts?.length ?? 0) > 0;
  }

  private save(): void {
    if (this.removed) return; // a late process exit after the run ended must not resurrect it
    // write-then-rename so `clean` never reads half a ledger
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 2));
    renameSync(tmp, this.file);
  }
}
