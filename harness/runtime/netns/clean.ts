// `faultline clean` for the netns runtime. By default it removes only what the ledgers of dead runs
// list (a run killed with SIGKILL never ran its undos), so it is safe while other runs are going on.
// With `all` it also sweeps every fl- namespace, root-namespace fl- link, iptables rule with an fl-
// comment and /tmp/fl-* folder, whoever made it — for a machine where nothing else runs.
import { readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pidAlive, runChecked, sameProcess } from '../process.ts';
import { deleteLink, deleteNamespace, killNamespacePids, listLinks, listNamespaces } from './ip.ts';
import { killTagged, Ledger, ledgerDir, type LedgerData } from '../ledger.ts';
import { mountsNamed, unmountDisk } from '../disk/tmpfs-disk.ts';

type Log = (line: string) => void;

/** /tmp/fl-<run id>, the netns runtime's per-run folder. */
const RUN_DIR = /^fl-[0-9a-f]{4}$/;

export async function cleanLeftovers(log: Log, opts: { all?: boolean }): Promise<void> {
  for (const { file, data } of Ledger.list()) {
    if (data.kind !== 'netns') continue;
    if (!opts.all && Ledger.ownerAlive(data)) {
      log(`netns: run ${data.runId} is still running (pid ${data.ownerPid}), left alone`);
      continue;
    }
    await removeRun(data, log);
    rmSync(file, { force: true });
    log(`netns: removed ledger ${file}`);
  }
  // a run killed between reserving its subnet and writing that into its ledger
  removeSubnetLocks(log, (pid) => !pidAlive(pid));
  if (opts.all) await sweepEverything(log);
}

/** Removes what one dead run's ledger lists; each item only if it still exists. */
async function removeRun(data: LedgerData, log: Log): Promise<void> {
  for (const p of data.processes) {
    if (!sameProcess(p.pid, p.start)) continue; // gone, or the pid now belongs to someone else
    try {
      process.kill(p.pid, 'SIGKILL');
      log(`netns: killed pid ${p.pid} (${p.name}) of run ${data.runId}`);
    } catch {
      // exited meanwhile
    }
  }
  killTagged(data.runId, log, 'netns');
  const namespaces = new Set(await listNamespaces());
  // node namespaces first, the bridge namespace (fl-<run>-br) last
  for (const ns of [...data.namespaces].reverse()) if (namespaces.has(ns)) await removeNamespace(ns, log);
  const links = new Set(await listLinks());
  for (const link of data.links) {
    if (!links.has(link)) continue;
    await deleteLink(link);
    log(`netns: removed link ${link}`);
  }
  // a mounted folder cannot be removed: unmount first
  for (const dir of data.mounts ?? []) if (await unmountDisk(dir)) log(`netns: unmounted ${dir}`);
  for (const item of [...data.dirs, ...data.files]) {
    if (!existsSync(item)) continue;
    rmSync(item, { recursive: true, force: true });
    log(`netns: removed ${item}`);
  }
}

async function removeNamespace(ns: string, log: Log): Promise<void> {
  const pids = await killNamespacePids(ns);
  if (pids.length) log(`netns: killed ${pids.join(', ')} in ${ns}`);
  await deleteNamespace(ns);
  log(`netns: removed namespace ${ns}`);
}

/** --all: every fl- thing on the machine, ledger or not. */
async function sweepEverything(log: Log): Promise<void> {
  await sweepPrefix(log, 'fl-');
  for (const m of mountsNamed('fl-')) if (await unmountDisk(m.target)) log(`netns: unmounted ${m.source} from ${m.target}`);
  for (const name of readdirSync(tmpdir())) {
    if (!RUN_DIR.test(name)) continue; // only netns run folders: other fl- folders belong to other tools
    rmSync(path.join(tmpdir(), name), { recursive: true, force: true });
    log(`netns: removed ${path.join(tmpdir(), name)}`);
  }
  removeSubnetLocks(log, () => true);
}

/** Namespaces and root-namespace links named `<prefix>…`, and root iptables rules whose comment
 *  starts with `prefix`, with whatever runs inside those namespaces. */
export async function sweepPrefix(log: Log, prefix: string): Promise<void> {
  if (!prefix.startsWith('fl-')) throw new Error(`refusing to sweep '${prefix}': only fl- names are ours`);
  for (const ns of await listNamespaces()) if (ns.startsWith(prefix)) await removeNamespace(ns, log);
  for (const link of await listLinks()) {
    if (!link.startsWith(prefix)) continue;
    await deleteLink(link);
    log(`netns: removed link ${link}`);
  }
  await removeTaggedRules(log, prefix);
}

/** Subnet reservations ("<run id> <pid>") for which `remove(pid)` says yes. */
function removeSubnetLocks(log: Log, remove: (pid: number) => boolean): void {
  const dir = ledgerDir();
  for (const name of readdirSync(dir)) {
    if (!/^subnet-.*\.lock$/.test(name)) continue;
    let pid = 0;
    try {
      pid = Number(readFileSync(path.join(dir, name), 'utf8').split(' ')[1]);
    } catch {
      continue; // released meanwhile
    }
    if (!remove(pid)) continue;
    rmSync(path.join(dir, name), { force: true });
    log(`netns: removed ${path.join(dir, name)}`);
  }
}

/** Root-namespace iptables rules whose comment starts with `prefix`: `-A CHAIN …` becomes `-D CHAIN …`. */
async function removeTaggedRules(log: Log, prefix: string): Promise<void> {
  const dump = await runChecked('iptables-save', [], { timeoutMs: 10_000 }).catch(() => '');
  let table = 'filter';
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    if (!line.startsWith('-A ')) continue;
    const args = splitRule(line);
    const comment = args[args.indexOf('--comment') + 1];
    if (!args.includes('--comment') || !comment.startsWith(prefix)) continue;
    args[0] = '-D';
    await runChecked('iptables', ['-w', '5', '-t', table, ...args], { timeoutMs: 10_000 });
    log(`netns: removed iptables rule (${table}) ${line}`);
  }
}

/** Splits an iptables-save rule line into arguments, honouring double quotes. */
export function splitRule(line: string): string[] {
  const args: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) args.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return args;
}
