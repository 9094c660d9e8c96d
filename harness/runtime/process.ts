// Process plumbing every runtime shares: start a daemon with its output appended to a log file, wrap
// it as a HostProcess (signals, pause, bounded waits, stop), run short commands with a deadline, and
// poll for readiness with a deadline that says what it waited for. Runtimes differ only in the
// command line they build (e.g. `ip netns exec <ns> …` on netns); the lifecycle is the same.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { constants } from 'node:os';
import { HarnessError } from '../errors.ts';
import type { ExecResult, HostProcess } from './types.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Whether a process with this pid exists (a zombie counts as alive until reaped). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process state letter from /proc (R running, S sleeping, T stopped, Z zombie, ...). */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** The kernel's start time of a pid (clock ticks since boot), so a recorded pid can be told apart
 *  from a later process that reused the number. undefined when the pid does not exist. */
export function pidStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces and parentheses: fields after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]); // field 22 overall
  } catch {
    return undefined;
  }
}

/** True when `pid` is still the very process recorded with `startTime`. */
export function sameProcess(pid: number, startTime: number | undefined): boolean {
  const now = pidStartTime(pid);
  return now !== undefined && (startTime === undefined || now === startTime);
}

/**
 * Polls `probe` until it returns something other than undefined/false, every `intervalMs`, for at
 * most `deadlineMs`. A probe that throws counts as "not yet"; its last error is quoted on timeout.
 */
export async function waitFor<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined | false> | T | undefined | false, intervalMs = 100): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
      last = 'not ready';
    } catch (err) {
      last = message(err);
    }
    if (Date.now() >= end) throw new HarnessError(`timed out after ${(deadlineMs / 1000).toFixed(1)}s waiting for ${what}: ${last}`);
    await sleep(Math.min(intervalMs, Math.max(0, end - Date.now())));
  }
}

export interface LoggedSpawn {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: Record<string, string>;
  cwd?: string;
}

/** Starts a long-running process in its own process group, stdout+stderr appended to `logFile`. */
export async function spawnLogged(spec: LoggedSpawn): Promise<ChildHostProcess> {
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      detached: true, // own process group: Ctrl-C on the harness does not hit the daemon directly
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...spec.env },
      cwd: spec.cwd,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      // kept for the child's whole life: a later 'error' (e.g. a failed kill) must not crash the harness
      child.on('error', (err) => reject(new HarnessError(`cannot start ${spec.name} (${spec.command}): ${err.message}`)));
    });
    child.unref();
    return new ChildHostProcess(spec.name, child, spec.logFile);
  } finally {
    closeSync(fd);
  }
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * The lifecycle every runtime's daemon shares, over a pid on this machine: signals, SIGSTOP that
 * resolves once the kernel shows the process stopped, bounded waits, SIGTERM-then-SIGKILL stop.
 * Subclasses say how the process was started and when it exited (`exited`).
 */
export abstract class PidProcess implements HostProcess {
  private exit: Exit | undefined;
  /** Settles once the process has exited (never rejects). */
  readonly exited: Promise<Exit>;

  protected constructor(readonly name: string, readonly pid: number, readonly logFile: string, ended: Promise<Exit>) {
    this.exited = ended.then((e) => (this.exit = e));
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.alive || this.pid <= 0) return;
    try {
      process.kill(this.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** SIGSTOP, resolving once the kernel shows the process stopped (so a fault starts when it says). */
  async pause(): Promise<void> {
    await this.signal('SIGSTOP');
    await waitFor(`${this.name} (pid ${this.pid}) to stop`, 5000, () => !this.alive || !/^[RSD]$/.test(processState(this.pid) ?? 'gone'), 5);
  }

  resume(): Promise<void> {
    return this.signal('SIGCONT');
  }

  async waitExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HarnessError(`timed out after ${(timeoutMs / 1000).toFixed(1)}s waiting for ${this.name} (pid ${this.pid}) to exit`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(graceMs = 5000): Promise<void> {
    if (!this.alive) return; // long gone: its pid (and group id) may belong to someone else by now
    await this.signal('SIGCONT'); // a paused process cannot act on SIGTERM
    await this.signal('SIGTERM');
    try {
      await this.waitExit(graceMs);
    } catch {
      await this.signal('SIGKILL');
      await this.waitExit(5000);
    }
    this.afterStop();
  }

  /** Runs once the process is gone after stop(). */
  protected afterStop(): void {}
}

/** A HostProcess over a direct child of the harness. */
export class ChildHostProcess extends PidProcess {
  /** Kernel start time of the pid, for ledgers that must survive the harness. */
  readonly startTime: number | undefined;

  constructor(name: string, child: ChildProcess, logFile: string) {
    if (child.pid === undefined) throw new HarnessError(`${name} has no pid`);
    super(name, child.pid, logFile, new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))));
    this.startTime = pidStartTime(this.pid);
  }

  /** Children it left behind in its process group, moments after it exited. */
  protected override afterStop(): void {
    killGroup(this.pid);
  }
}

/** SIGKILLs what is left of the process group led by `pgid` (our own spawned daemon's group). */
function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // no such group any more: nothing left behind
  }
}

/** Runs a short command to completion; kills it and throws once `timeoutMs` has passed. */
export function runCommand(command: string, args: string[], opts: { timeoutMs?: number; input?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env }, cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new HarnessError(`timed out after ${(timeoutMs / 1000).toFixed(1)}s running ${[command, ...args].join(' ')}`));
    }, timeoutMs);
    // listen for 'error' first and keep listening: a failed spawn (EMFILE, ENOENT) must reject, never crash
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new HarnessError(`cannot run ${command}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr });
    });
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin?.on('error', () => {}); // the command may exit without reading its input
    child.stdin?.end(opts.input ?? '');
  });
}

/** runCommand that throws a HarnessError quoting stderr when the command exits non-zero. */
export async function runChecked(command: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  const r = await runCommand(command, args, opts);
  if (r.code !== 0) throw new HarnessError(`${[command, ...args].join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Host.writeFile for runtimes whose hosts share the harness's file system (netns, local). */
export async function writeLocalFile(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}
