// Short commands without a new shell each time. sshd runs every exec request through the user's
// login shell, which reads its rc files first — on this project's CI machine that is a pyenv set-up
// costing 0.3–1 s per command under load, against 1–15 ms for the command itself, and on any machine
// a channel open plus an exec request is two round trips before the command runs. So each connection
// keeps a few resident POSIX sh sessions (one channel each, started once) that read one request at a
// time: the command line and its stdin in base64 on one line; they answer with the command's pid, then
// its exit status and the byte lengths of its stdout and stderr followed by the bytes. Each command
// runs in its own session (setsid) so a deadline can kill it with its children; a shell that cannot
// start (no base64/mktemp: not GNU coreutils) makes the connection fall back to one exec per command.
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { HarnessError } from '../../errors.ts';
import type { ExecResult } from '../types.ts';
import { shCommand } from './shell.ts';

/**
 * The resident loop. Its private folder holds each request's files and goes when the session ends
 * (the harness closes the channel, or the connection drops: stdin ends). Args: the ready token.
 */
export const RESIDENT_SCRIPT = [
  'd=$(mktemp -d "${TMPDIR:-/tmp}/fl-sh.XXXXXX") || exit 1',
  'trap \'rm -rf "$d"\' EXIT',
  'trap "exit 1" HUP INT TERM',
  'command -v base64 >/dev/null || exit 1',
  'echo "$1"',
  'while IFS=" " read -r cmd input; do',
  '  printf %s "$cmd" | base64 -d > "$d/cmd"',
  '  if [ "$input" = - ]; then : > "$d/in"; else printf %s "$input" | base64 -d > "$d/in"; fi',
  '  setsid sh "$d/cmd" < "$d/in" > "$d/out" 2> "$d/err" &',
  '  echo "pid $!"',
  '  wait $!',
  '  echo "done $? $(($(wc -c < "$d/out"))) $(($(wc -c < "$d/err")))"',
  '  cat "$d/out" "$d/err"',
  'done',
].join('\n');

/** One request line: the command and its stdin, base64 (`-` for no input). */
export const requestLine = (command: string, input?: string): string =>
  `${Buffer.from(command).toString('base64')} ${input ? Buffer.from(input).toString('base64') : '-'}\n`;

interface Pending {
  resolve: (r: ExecResult) => void;
  reject: (e: Error) => void;
  pid?: number;
  /** Exit status and output lengths, once the `done` line came. */
  done?: { code: number; out: number; err: number };
}

/** Reads the answers of one resident shell (a byte stream: lines, then raw output). */
export class ResidentShell {
  private buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  private closedWhy: string | undefined;

  private constructor(private readonly channel: ClientChannel, readonly label: string) {
    channel.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.parse();
    });
    channel.stderr.on('data', () => {}); // what the login shell's rc files print
    channel.once('close', () => {
      this.closedWhy ??= 'the shell session ended';
      this.pending?.reject(new HarnessError(`${label}: ${this.closedWhy} while a command ran`));
      this.pending = undefined;
    });
  }

  /** Starts the loop on `channel` and waits for its ready token (anything printed before it is rc-file noise). */
  static async start(channel: ClientChannel, label: string, timeoutMs: number, token: string): Promise<ResidentShell> {
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new HarnessError(`${label}: the resident shell did not start within ${timeoutMs / 1000}s`)), timeoutMs);
      const onData = (d: Buffer) => {
        seen += d.toString('latin1');
        if (seen.includes(`${token}\n`)) finish();
      };
      const onClose = () => finish(new HarnessError(`${label}: the resident shell could not start (no mktemp or base64 there?)`));
      function finish(err?: Error) {
        clearTimeout(timer);
        channel.off('data', onData);
        channel.off('close', onClose);
        if (err) reject(err);
        else resolve();
      }
      channel.on('data', onData);
      channel.once('close', onClose);
    });
    const shell = new ResidentShell(channel, label);
    shell.buffer = Buffer.from(seen.slice(seen.indexOf(`${token}\n`) + token.length + 1), 'latin1');
    return shell;
  }

  /** The command line that starts the loop, with its ready token as the argument. */
  static command(token: string): string {
    return shCommand(RESIDENT_SCRIPT, [token]);
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  get closed(): boolean {
    return this.closedWhy !== undefined;
  }

  /** The pid of the command running now (for a deadline's kill). */
  get runningPid(): number | undefined {
    return this.pending?.pid;
  }

  private parse(): void {
    while (this.pending) {
      const p = this.pending;
      if (p.done) {
        const total = p.done.out + p.done.err;
        if (this.buffer.length < total) return;
        const stdout = this.buffer.subarray(0, p.done.out).toString('utf8');
        const stderr = this.buffer.subarray(p.done.out, total).toString('utf8');
        this.buffer = this.buffer.subarray(total);
        this.pending = undefined;
        p.resolve({ code: p.done.code, stdout, stderr });
        return;
      }
      const nl = this.buffer.indexOf(10);
      if (nl < 0) return;
      const [word, a, b, c] = this.buffer.subarray(0, nl).toString('latin1').split(' ');
      this.buffer = this.buffer.subarray(nl + 1);
      if (word === 'pid') p.pid = Number(a);
      else if (word === 'done') p.done = { code: Number(a), out: Number(b), err: Number(c) };
      else this.fail(`unexpected line from the resident shell: ${word}`);
    }
  }

  private fail(why: string): void {
    this.closedWhy ??= why;
    this.channel.close();
  }

  /** Runs one command; settles when its answer is complete (the caller bounds the wait). */
  run(command: string, input?: string): Promise<ExecResult> {
    if (this.closedWhy) return Promise.reject(new HarnessError(`${this.label}: ${this.closedWhy}`));
    if (this.pending) return Promise.reject(new HarnessError(`${this.label}: the resident shell is busy`));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.channel.write(requestLine(command, input));
    });
  }

  /** Ends the session: the loop reads end of input, its folder goes. */
  close(why = 'closed by the harness'): void {
    this.closedWhy ??= why;
    this.channel.end();
  }
}

/** What a pool needs from its connection. */
export interface ShellHost {
  label: string;
  /** Opens a long-lived exec channel. */
  open(command: string, what: string): Promise<ClientChannel>;
  /** One command on a channel of its own (for kills, and when no resident shell can start). */
  execOnce(command: string, opts: { timeoutMs: number; input?: string; what: string }): Promise<ExecResult>;
}

/** Most resident shells per connection (each holds one of the connection's channels). */
export const MAX_RESIDENT_SHELLS = 4;
const START_TIMEOUT_MS = 15_000;

/** The resident shells of one connection: an idle one runs the next command, up to MAX_RESIDENT_SHELLS start on demand. */
export class ShellPool {
  private readonly shells = new Set<ResidentShell>();
  private readonly inUse = new Set<ResidentShell>();
  private starting = 0;
  private readonly waiters: (() => void)[] = [];
  /** Why resident shells cannot run here; then every command gets its own channel. */
  private unusable: string | undefined;

  constructor(private readonly host: ShellHost) {}

  /** Runs a command within `timeoutMs` (waiting for a free shell counts); kills it at the deadline. */
  async run(command: string, opts: { timeoutMs: number; input?: string; what: string }): Promise<ExecResult> {
    if (this.unusable) return this.host.execOnce(command, opts);
    const deadline = Date.now() + opts.timeoutMs;
    const shell = await this.claim(deadline, opts.what);
    if (!shell) return this.host.execOnce(command, { ...opts, timeoutMs: Math.max(1000, deadline - Date.now()) });
    const answer = shell.run(command, opts.input);
    answer.catch(() => {}).finally(() => this.release(shell));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.killStuck(shell);
        reject(new HarnessError(`timed out after ${(opts.timeoutMs / 1000).toFixed(1)}s running ${opts.what} on ${this.host.label}`));
      }, Math.max(0, deadline - Date.now()));
    });
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An idle shell, a new one, or undefined when they cannot start here; waits while all are busy. */
  private async claim(deadline: number, what: string): Promise<ResidentShell | undefined> {
    for (;;) {
      for (const s of this.shells) if (s.closed) this.shells.delete(s);
      const idle = [...this.shells].find((s) => !this.inUse.has(s));
      if (idle) {
        this.inUse.add(idle);
        return idle;
      }
      if (this.shells.size + this.starting < MAX_RESIDENT_SHELLS) return this.startOne();
      if (Date.now() >= deadline) throw new HarnessError(`timed out waiting for a free shell on ${this.host.label} to run ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  private async startOne(): Promise<ResidentShell | undefined> {
    this.starting++;
    try {
      const token = `fl-ready-${randomBytes(6).toString('hex')}`;
      const channel = await this.host.open(ResidentShell.command(token), 'a resident shell');
      const shell = await ResidentShell.start(channel, this.host.label, START_TIMEOUT_MS, token).catch((err) => {
        channel.close();
        throw err;
      });
      this.shells.add(shell);
      this.inUse.add(shell);
      return shell;
    } catch (err) {
      // none could ever start here: stop trying; a later failure (a channel limit) costs this command only
      if (this.shells.size === 0) this.unusable = err instanceof Error ? err.message : String(err);
      return undefined;
    } finally {
      this.starting--;
    }
  }

  private release(shell: ResidentShell): void {
    this.inUse.delete(shell);
    if (shell.closed) this.shells.delete(shell);
    this.waiters.shift()?.();
  }

  /** A command past its deadline: SIGKILL its session from a channel of its own; a shell that still
   *  does not answer is closed (its loop ends with its input). */
  private killStuck(shell: ResidentShell): void {
    const pid = shell.runningPid;
    const kill = pid ? this.host.execOnce(shCommand('kill -s KILL -- -"$1" 2>/dev/null; kill -s KILL "$1" 2>/dev/null; true', [String(pid)]), { timeoutMs: 10_000, what: `killing pid ${pid}` }) : Promise.resolve();
    void kill.catch(() => {}).then(() => setTimeout(() => shell.busy && shell.close('a command past its deadline could not be killed'), 10_000).unref());
  }

  close(): void {
    for (const s of this.shells) s.close();
    this.shells.clear();
  }
}
