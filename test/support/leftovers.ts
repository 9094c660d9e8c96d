// What a test run may not leave on the machine: fl- namespaces, veths and iptables rules, run
// ledgers and their lock files, ZooKeeper/uWSGI/nginx/member processes, processes tagged by a run,
// and containers, networks or volumes of ours. `ownedBy` lists what processes with the given pids
// owned (a test process checks itself after each file); `everything` lists every fl- thing, for
// the end of a run on a machine that is ours alone (CI), where nothing else may be running.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ledger, ledgerDir, taggedProcesses } from '../../harness/runtime/ledger.ts';
import { leftoversOf } from '../../harness/runtime/netns/leftovers.ts';
import { runCommand } from '../../harness/runtime/process.ts';

// matched on a process's command, not its arguments: the mocha process itself names test files such
// as test/uwsgi-lite.test.ts on its command line
const DAEMONS = /QuorumPeerMain|(^|[\s/])uwsgi(\s|$)|nginx: master|targets\/zk-lite\/main\.ts|targets\/uwsgi-lite\/|recipes\/member\.ts/;

/** The processes above this one (the test runner's own parents), which are never leftovers. */
function ancestors(rows: { pid: number; ppid: number }[]): Set<number> {
  const parent = new Map(rows.map((r) => [r.pid, r.ppid]));
  const found = new Set<number>([process.pid]);
  for (let pid = process.ppid; pid > 1 && !found.has(pid); pid = parent.get(pid) ?? 0) found.add(pid);
  return found;
}

async function daemonsAlive(): Promise<string[]> {
  const ps = await runCommand('ps', ['-eo', 'pid=,ppid=,args='], { timeoutMs: 10_000 });
  const rows = ps.stdout.split('\n').map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/)).filter((m) => m !== null)
    .map(([, pid, ppid, args]) => ({ pid: Number(pid), ppid: Number(ppid), args }));
  const mine = ancestors(rows);
  return rows.filter((r) => !mine.has(r.pid) && DAEMONS.test(commandOf(r.args)))
    .map((r) => `process ${r.pid} ${r.ppid} ${r.args.slice(0, 160)}`);
}

/** What a daemon is recognised by: the command without the test files a runner may be given. */
function commandOf(args: string): string {
  return args.split(/\s+/).filter((a) => !/\.test\.ts$/.test(a)).join(' ');
}

/** Containers, networks and volumes labelled as ours: every run's, or those of the given owner pids. */
async function dockerOfOurs(owners: readonly number[] | 'all'): Promise<string[]> {
  try {
    const factory = (await import('../../harness/runtime/docker/index.ts')).default;
    if (await factory.unavailable()) return [];
    const { engine, LABEL } = await import('../../harness/runtime/docker/engine.ts');
    const docker = (await engine()).container.dockerode;
    const found: string[] = [];
    for (const label of owners === 'all' ? [LABEL.run] : owners.map((pid) => `${LABEL.ownerPid}=${pid}`)) {
      const filters = { label: [label] };
      found.push(
        ...(await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]}`),
        ...(await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`),
        ...((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`),
      );
    }
    return found;
  } catch {
    return [];
  }
}

/** Subnet and port-block reservations (lock files beside the ledgers). */
function lockFiles(): string[] {
  try {
    return readdirSync(ledgerDir()).filter((n) => /^(subnet|ports)-.*\.lock$/.test(n)).map((n) => `lock ${path.join(ledgerDir(), n)} (${readFileSync(path.join(ledgerDir(), n), 'utf8').trim()})`);
  } catch {
    return [];
  }
}

/** What the processes `pids` left: their runs' ledgers and their containers. */
export async function leftoversOwnedBy(pids: readonly number[]): Promise<string[]> {
  if (!pids.length) return [];
  const ledgers = Ledger.list().filter(({ data }) => pids.includes(data.ownerPid)).map(({ file, data }) => `ledger ${file} (run ${data.runId}, pid ${data.ownerPid})`);
  return [...ledgers, ...(await dockerOfOurs(pids))];
}

/** Every fl- thing on the machine (for a machine where no other run goes on). */
export async function everyLeftover(): Promise<string[]> {
  return [
    ...Ledger.list().map(({ file, data }) => `ledger ${file} (run ${data.runId}, pid ${data.ownerPid})`),
    ...lockFiles(),
    ...(process.getuid?.() === 0 ? await leftoversOf() : []),
    ...(await daemonsAlive()),
    ...taggedProcesses().map((p) => `process ${p.pid} tagged by run ${p.runId}`),
    ...(await dockerOfOurs('all')),
  ];
}
