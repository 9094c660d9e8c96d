// Processes inside a node container. The container's main process is an idle init; daemons are
// started with the engine's exec API (through testcontainers' dockerode), their output streamed into
// the run's log folder. The pid a ContainerProcess exposes is the daemon's pid on this machine (the
// engine runs here, so container processes are visible in our pid namespace): signals, SIGSTOP/
// SIGCONT and SIGKILL go straight to the daemon, as on netns, and the container keeps running, so a
// killed node restarts with the same address and the same mapped ports.
import { createWriteStream } from 'node:fs';
import { constants } from 'node:os';
import { PassThrough, type Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { HarnessError } from '../../errors.ts';
import { PidProcess, pidAlive, waitFor, type Exit } from '../process.ts';
import type { ExecResult } from '../types.ts';

export interface ExecSpec {
  cmd: string[];
  env?: Record<string, string>;
  cwd?: string;
}

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

/** The engine reports a death by signal N as exit code 128+N. */
function toExit(code: number | null): Exit {
  if (code !== null && code > 128 && signalNames.has(code - 128)) return { code: null, signal: signalNames.get(code - 128)! };
  return { code, signal: null };
}

/** Creates and starts an exec; resolves with the attached (multiplexed) stream. */
async function startExec(container: Dockerode.Container, spec: ExecSpec, stdin: boolean): Promise<{ exec: Dockerode.Exec; stream: Duplex }> {
  const exec = await container.exec({
    Cmd: spec.cmd, AttachStdin: stdin, AttachStdout: true, AttachStderr: true, Tty: false,
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`), WorkingDir: spec.cwd,
  });
  const stream = (await exec.start({ hijack: true, stdin })) as Duplex;
  return { exec, stream };
}

/** The daemon's pid on this machine, once the engine reports it (0 for a process already gone). */
async function hostPid(exec: Dockerode.Exec, what: string): Promise<number> {
  return waitFor(`the engine to report the pid of ${what}`, 10_000, async () => {
    const info = await exec.inspect();
    if (info.Pid > 0) return info.Pid;
    return info.Running ? false : 0;
  }, 20);
}

export class ContainerProcess extends PidProcess {
  private constructor(name: string, pid: number, logFile: string, ended: Promise<Exit>) {
    super(name, pid, logFile, ended);
  }

  /** Starts `spec` in `container`, stdout+stderr appended to `logFile`. */
  static async start(modem: Dockerode['modem'], container: Dockerode.Container, name: string, spec: ExecSpec, logFile: string): Promise<ContainerProcess> {
    const { exec, stream } = await startExec(container, spec, false);
    const log = createWriteStream(logFile, { flags: 'a' });
    modem.demuxStream(stream, log, log);
    const ended = new Promise<Exit>((resolve) => {
      const done = () => {
        log.end();
        exec.inspect().then((i) => resolve(toExit(i.ExitCode)), () => resolve({ code: null, signal: null }));
      };
      stream.once('end', done);
      stream.once('error', done);
    });
    return new ContainerProcess(name, await hostPid(exec, name), logFile, ended);
  }
}

/** Demultiplexes an exec's stream into two strings; `ended` settles when the command's output ends. */
function collect(modem: Dockerode['modem'], stream: Duplex): { output: { stdout: string; stderr: string }; ended: Promise<void> } {
  const output = { stdout: '', stderr: '' };
  const out = new PassThrough().setEncoding('utf8').on('data', (d: string) => (output.stdout += d));
  const err = new PassThrough().setEncoding('utf8').on('data', (d: string) => (output.stderr += d));
  modem.demuxStream(stream, out, err);
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  return { output, ended };
}

/** Whether `done` settled within `ms` (the timer is always cleared). */
async function within(done: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([done.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a short command in `container` to completion, feeding `input` to its stdin; SIGKILLs it at the deadline. */
export async function execOnce(modem: Dockerode['modem'], container: Dockerode.Container, spec: ExecSpec, opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const { exec, stream } = await startExec(container, spec, true);
  const { output, ended } = collect(modem, stream);
  stream.end(opts.input ?? ''); // closes the command's stdin
  if (!(await within(ended, timeoutMs))) {
    const { Pid } = await exec.inspect();
    if (Pid > 0 && pidAlive(Pid)) process.kill(Pid, 'SIGKILL');
    stream.destroy();
    throw new HarnessError(`timed out after ${(timeoutMs / 1000).toFixed(1)}s running ${spec.cmd.join(' ')} in the container`);
  }
  const info = await waitFor(`the exit code of ${spec.cmd[0]}`, 5000, async () => {
    const i = await exec.inspect();
    return i.Running ? false : i;
  }, 10);
  return { code: info.ExitCode ?? 128, ...output };
}
