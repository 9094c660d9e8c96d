// Removing what an ssh run has on a machine, at the end of the run and in `faultline clean` for runs
// whose harness died: daemons and clock strobes still running (recorded pid with the same start time,
// with their process group, and anything working inside the host's folder), the logs (fetched into
// the local run folder first, so a killed run still leaves them), the disk mount, the iptables chain,
// the folders. `clean` logs in again as the ledger says — same user, address, key file or agent — and
// insists on the host key the run pinned; a machine it cannot reach keeps its part of the ledger for
// the next `clean`.
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../../errors.ts';
import { Ledger, type LedgerData } from '../ledger.ts';
import { SshConnection } from './connection.ts';
import { unmountRemoteDisk } from './disk.ts';
import { downloadFile, findLogs, harnessFolder } from './files.ts';
import { fingerprint } from './known-hosts.ts';
import { describeMachine } from './machines.ts';
import { removeChain } from './network.ts';
import { needsVisit, type MachineRecord, type SshRunState } from './record.ts';
import { credentialsOf, type Credentials } from './settings.ts';
import { REMOVE_FOLDER_SCRIPT, shCommand, SWEEP_SCRIPT } from './shell.ts';

type Log = (line: string) => void;

/** Kills the machine's leftover daemons of the run (see SWEEP_SCRIPT); returns what it killed. */
async function sweep(conn: SshConnection, m: MachineRecord): Promise<string[]> {
  const records = m.processes.map((p) => `${p.pid}:${p.start ?? '-'}`);
  const r = await conn.run(shCommand(SWEEP_SCRIPT, [m.dir, ...records]), { timeoutMs: 30_000, what: `sweeping the daemons of ${m.dir}` });
  if (r.code !== 0) throw new HarnessError(`cannot stop the run's daemons on ${conn.label}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** Copies every *.log of the host's folders into `logDir`: `<host>-<file>` for the daemons' own logs
 *  (in the harness folder) and any at the top of the host's folder, `<host>/<path>` for the rest
 *  (nginx's logs, ...). */
async function fetchLogs(conn: SshConnection, m: MachineRecord, logDir: string): Promise<number> {
  let n = 0;
  for (const [dir, depth] of [[harnessFolder(m.dir), 0], [m.dir, 3]] as const) {
    const files = await findLogs(conn, dir, depth);
    for (const f of files) {
      const local = f.includes('/') ? path.join(logDir, m.name, f) : path.join(logDir, `${m.name}-${f}`);
      await downloadFile(conn, `${dir}/${f}`, local);
    }
    n += files.length;
  }
  return n;
}

/**
 * Everything of the run on one machine, in order: daemons, logs, mount, chain, folders. `update`
 * writes each step's result into the ledger as it happens. Returns what it did, as lines.
 */
export async function teardownMachine(conn: SshConnection, m: MachineRecord, logDir: string | undefined, update: (change: (m: MachineRecord) => void) => void): Promise<string[]> {
  const done: string[] = [];
  if (m.folder || m.processes.length) {
    done.push(...(await sweep(conn, m)));
    update((r) => (r.processes = []));
  }
  if (m.folder && logDir && existsSync(logDir)) {
    const n = await fetchLogs(conn, m, logDir).catch(() => 0); // logs are a courtesy; removal is not
    if (n) done.push(`fetched ${n} log${n > 1 ? 's' : ''} into ${logDir}`);
  }
  if (m.mount) {
    if (await unmountRemoteDisk(conn, m.isRoot, m.dir, m.mount)) done.push(`unmounted ${m.mount} from ${m.dir}`);
    update((r) => delete r.mount);
  }
  if (m.chain) {
    await removeChain(conn, m.isRoot, m.chain);
    done.push(`removed iptables chain ${m.chain}`);
    update((r) => delete r.chain);
  }
  if (m.folder) {
    const r = await conn.run(shCommand(REMOVE_FOLDER_SCRIPT, [m.dir, harnessFolder(m.dir), m.runDir]), { timeoutMs: 60_000, what: `rm -rf ${m.dir}` });
    if (r.code !== 0) throw new HarnessError(`cannot remove ${m.dir} on ${conn.label}: ${r.stderr.trim()}`);
    done.push(`removed ${m.dir}`);
    update((r) => (r.folder = false));
  }
  return done;
}

/** Logs in to a machine of a dead run, accepting only the host key the run pinned. */
function reconnect(m: MachineRecord, credentials: Credentials): Promise<SshConnection> {
  const label = `${m.name} (${describeMachine(m)})`;
  return SshConnection.open(m, {
    credentials, label, timeoutMs: 10_000,
    checkHostKey: (blob) => (blob.toString('base64') === m.hostKey ? { ok: true } : { ok: false, why: `its host key ${fingerprint(blob)} is not the one the run used (${fingerprint(Buffer.from(m.hostKey, 'base64'))})` }),
  });
}

/** Cleans one dead run's machines; true when nothing is left anywhere. */
async function cleanRun(data: LedgerData, state: SshRunState, save: () => void, log: Log): Promise<boolean> {
  let credentials: Credentials;
  try {
    credentials = credentialsOf(state.auth.keyFile);
  } catch (err) {
    log(`ssh: run ${data.runId}: cannot log in to its machines (${(err as Error).message}); ledger kept`);
    return false;
  }
  const results = await Promise.allSettled(state.machines.filter(needsVisit).map(async (m) => {
    const conn = await reconnect(m, credentials);
    try {
      const lines = await teardownMachine(conn, m, state.logDir, (change) => {
        change(m);
        save();
      });
      for (const l of lines) log(`ssh: ${conn.label} of run ${data.runId}: ${l}`);
    } finally {
      conn.close();
    }
  }));
  for (const r of results) if (r.status === 'rejected') log(`ssh: run ${data.runId}: ${(r.reason as Error).message}; ledger kept for the next \`faultline clean\``);
  return results.every((r) => r.status === 'fulfilled');
}

export async function cleanLeftovers(log: Log, opts: { all?: boolean }): Promise<void> {
  for (const { file, data } of Ledger.list()) {
    if (data.kind !== 'ssh') continue;
    if (!opts.all && Ledger.ownerAlive(data)) {
      log(`ssh: run ${data.runId} is still running (pid ${data.ownerPid}), left alone`);
      continue;
    }
    const state = data.state as SshRunState | undefined;
    // no state: it died before any machine was recorded, so nothing exists remotely
    const save = () => {
      writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(data, null, 2));
      renameSync(`${file}.${process.pid}.tmp`, file); // never half a ledger, as Ledger writes it
    };
    if (state && !(await cleanRun(data, state, save, log))) continue;
    rmSync(file, { force: true });
    log(`ssh: removed ledger ${file}`);
  }
}
