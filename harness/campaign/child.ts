// One run of a campaign is a `faultline scenario` child process, exactly as a user would start it: a
// run that crashes, hangs, leaks handles or installs signal handlers cannot take the campaign (or its
// neighbours) down, and each child cleans up after itself as any run does. Its output goes straight
// to <run folder>/console.log. Every child has a deadline: past it the child gets SIGINT (so it still
// cleans up), and SIGKILL only if it has not exited a grace period later.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildExit } from './outcome.ts';

const CLI = fileURLToPath(new URL('../../bin/faultline.js', import.meta.url));

/** How long a child may take to clean up after SIGINT before it is killed outright. */
export const CLEANUP_GRACE_MS = 90_000;

export interface ChildRequest {
  /** Arguments after `faultline scenario`. */
  args: string[];
  /** The run folder (created here, so console.log can live in it). */
  dir: string;
  deadlineMs: number;
}

export interface RunningChild {
  pid: number;
  /** Sends a signal (SIGINT/SIGTERM); the child cleans up and exits. */
  signal(sig: NodeJS.Signals): void;
  exited: Promise<ChildExit>;
}

function tailOf(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function startChild(req: ChildRequest): RunningChild {
  mkdirSync(req.dir, { recursive: true });
  const log = path.join(req.dir, 'console.log');
  const fd = openSync(log, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [CLI, 'scenario', ...req.args], { stdio: ['ignore', fd, fd], env: { ...process.env, FORCE_COLOR: '0' } });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  let deadline = false;
  let interrupted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (sig: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), CLEANUP_GRACE_MS);
  };
  const deadlineTimer = setTimeout(() => {
    deadline = true;
    stop('SIGINT');
  }, req.deadlineMs);
  const exited = new Promise<ChildExit>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(deadlineTimer);
      clearTimeout(killTimer);
      const cut = interrupted && !(code !== null && code <= 2);
      resolve({ code, signal, deadline, interrupted: cut, tail: tailOf(log) });
    };
    child.once('exit', done);
    child.once('error', (err) => {
      clearTimeout(deadlineTimer);
      resolve({ code: null, signal: null, deadline, tail: `could not start: ${err.message}` });
    });
  });
  return {
    pid: child.pid ?? -1,
    signal: (sig) => {
      interrupted = true;
      stop(sig);
    },
    exited,
  };
}
