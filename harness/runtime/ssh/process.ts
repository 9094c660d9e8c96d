// A daemon on a remote machine as a HostProcess. It runs in its own session (setsid), its output
// appended to a log in the run's folder there; a small sh wrapper on an open channel reports its pid
// and start time at once and its exit status when it ends, so `alive` and `waitExit` know without
// polling. Signals are one short command each; SIGSTOP returns once the kernel shows it stopped.
// When the daemon ends its log is fetched into the local run folder before `alive` turns false, so a
// caller that sees it gone can read why. If the harness dies, the daemon lives on (no SIGHUP) and the
// ledger's pid + start time, or the run folder it works in, let `faultline clean` find it.
import type { ClientChannel } from 'ssh2';
import { HarnessError } from '../../errors.ts';
import type { Exit } from '../process.ts';
import type { HostProcess, ProcessSpec } from '../types.ts';
import { bounded, type SshConnection } from './connection.ts';
import { downloadFile } from './files.ts';
import { PAUSE_SCRIPT, shCommand, SPAWN_SCRIPT, spawnArgs } from './shell.ts';

const SIGNAL_NUMBERS: Record<number, NodeJS.Signals> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM' };

/** sh's `wait` reports a death by signal N as 128+N. */
export function exitOf(status: number): Exit {
  if (status > 128 && SIGNAL_NUMBERS[status - 128]) return { code: null, signal: SIGNAL_NUMBERS[status - 128] };
  return { code: status, signal: null };
}

export interface RemoteSpawn {
  spec: ProcessSpec;
  /** Working folder on the machine. */
  cwd: string;
  /** The daemon's log on the machine, and where it is copied locally. */
  remoteLog: string;
  localLog: string;
  /** For messages, e.g. 'zookeeper on n1'. */
  label: string;
}

/** Reads the wrapper's lines: `pid PID START` first, `exit CODE` at the end. */
function readWrapper(channel: ClientChannel, label: string): { started: Promise<{ pid: number; start: number | undefined }>; ended: Promise<number | undefined> } {
  let buffer = '';
  let stderr = '';
  let onPid: (v: { pid: number; start: number | undefined }) => void = () => {};
  let onPidFail: (e: Error) => void = () => {};
  let status: number | undefined;
  const started = new Promise<{ pid: number; start: number | undefined }>((resolve, reject) => ((onPid = resolve), (onPidFail = reject)));
  channel.setEncoding('utf8').on('data', (d: string) => {
    buffer += d;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const [word, a, b] = buffer.slice(0, nl).split(' ');
      buffer = buffer.slice(nl + 1);
      if (word === 'pid') onPid({ pid: Number(a), start: b === '-' ? undefined : Number(b) });
      if (word === 'exit') status = Number(a);
    }
  });
  channel.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const ended = new Promise<number | undefined>((resolve) => channel.once('close', () => {
    onPidFail(new HarnessError(`cannot start ${label}: ${stderr.trim() || 'the wrapper ended before reporting a pid'}`));
    resolve(status);
  }));
  return { started, ended };
}

export class SshProcess implements HostProcess {
  private exit: Exit | undefined;
  /** Settles once the daemon exited and its log was fetched (undefined: the connection was lost first). */
  readonly exited: Promise<Exit | undefined>;

  private constructor(
    private readonly conn: SshConnection,
    readonly name: string,
    readonly pid: number,
    /** Kernel start time of the pid on its machine (for the ledger). */
    readonly startTime: number | undefined,
    private readonly how: RemoteSpawn,
    ended: Promise<number | undefined>,
  ) {
    this.exited = ended.then(async (status) => {
      await this.fetchLog().catch(() => {}); // the run's end fetches it again; a late copy is no reason to hang
      if (status === undefined) return undefined;
      this.exit = exitOf(status);
      return this.exit;
    });
  }

  static async start(conn: SshConnection, how: RemoteSpawn): Promise<SshProcess> {
    const { spec } = how;
    const command = shCommand(SPAWN_SCRIPT, spawnArgs(how.cwd, how.remoteLog, spec.env ?? {}, spec.command, spec.args));
    const channel = await conn.start(command, how.label);
    channel.end(); // the daemon reads nothing
    const { started, ended } = readWrapper(channel, how.label);
    const { pid, start } = await bounded(`waiting for the pid of ${how.label} on ${conn.label}`, 15_000, started, () => channel.close());
    return new SshProcess(conn, spec.name, pid, start, how, ended);
  }

  get logFile(): string {
    return this.how.localLog;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Copies the daemon's log from the machine into the local run folder. */
  fetchLog(): Promise<boolean> {
    return downloadFile(this.conn, this.how.remoteLog, this.how.localLog);
  }

  async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.alive) return; // its pid may belong to someone else by now
    const r = await this.conn.run(shCommand('kill -s "$1" "$2" 2>/dev/null || [ ! -e /proc/$2 ]', [signal.replace(/^SIG/, ''), String(this.pid)]), { timeoutMs: 10_000, what: `kill -s ${signal} ${this.pid} (${this.how.label})` });
    if (r.code !== 0) throw new HarnessError(`cannot send ${signal} to ${this.how.label} (pid ${this.pid}) on ${this.conn.label}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }

  async pause(): Promise<void> {
    if (!this.alive) return;
    const r = await this.conn.run(shCommand(PAUSE_SCRIPT, [String(this.pid)]), { timeoutMs: 10_000, what: `SIGSTOP ${this.how.label}` });
    if (r.code !== 0) throw new HarnessError(`${this.how.label} (pid ${this.pid}) on ${this.conn.label} did not stop: ${r.stderr.trim()}`);
  }

  resume(): Promise<void> {
    return this.signal('SIGCONT');
  }

  async waitExit(timeoutMs: number): Promise<Exit> {
    const exit = await bounded(`waiting for ${this.how.label} (pid ${this.pid}) on ${this.conn.label} to exit`, timeoutMs, this.exited);
    if (!exit) throw new HarnessError(`lost track of ${this.how.label} (pid ${this.pid}): the connection to ${this.conn.label} dropped (${this.conn.lost ?? 'unknown reason'})`);
    return exit;
  }

  /** SIGCONT + SIGTERM, SIGKILL after `graceMs`; then whatever is left of its process group. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.alive || this.conn.lost) return;
    await this.signal('SIGCONT');
    await this.signal('SIGTERM');
    try {
      await this.waitExit(graceMs);
    } catch {
      await this.signal('SIGKILL');
      await this.waitExit(5000);
    }
    await this.conn.run(shCommand('kill -s KILL -- -"$1" 2>/dev/null; true', [String(this.pid)]), { timeoutMs: 10_000, what: `killing what is left of ${this.how.label}'s process group` });
  }
}
