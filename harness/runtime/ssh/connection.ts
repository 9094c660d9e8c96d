// One SSH connection to one machine, opened once and reused for the whole run (ssh2, no `ssh`
// binary): short commands run in a few resident shells on it (resident-shell.ts), long-running
// daemons keep a channel each so their exit is reported the moment it happens, and files travel over
// one SFTP session. Every step has a
// deadline that says what it waited for; a connection that drops fails every later call with the
// reason instead of hanging. The host key is checked by the caller's policy before anything is sent.
import net from 'node:net';
import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig, SFTPWrapper } from 'ssh2';
import { HarnessError } from '../../errors.ts';
import type { ExecResult } from '../types.ts';
import type { Credentials } from './settings.ts';
import type { HostKeyVerdict } from './known-hosts.ts';
import { ShellPool } from './resident-shell.ts';

const { Client } = ssh2;

export interface Destination {
  user: string;
  host: string;
  port: number;
}

export interface ConnectOptions {
  credentials: Credentials;
  /** Decides whether the key the machine shows is the right one. */
  checkHostKey: (blob: Buffer) => HostKeyVerdict;
  /** Host key algorithms to offer (e.g. the types a known_hosts file lists). */
  hostKeyAlgorithms?: string[];
  /** For messages: 'n1 (root@10.0.0.1:22)'. */
  label: string;
  /** Deadline for TCP connect + key exchange + authentication. */
  timeoutMs?: number;
}

/** At most this many channels at once: OpenSSH's MaxSessions defaults to 10 per connection. */
export const MAX_CHANNELS = 8;
const CONNECT_TIMEOUT_MS = 15_000;
const signalNumbers: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, TERM: 15 };

/** Runs `work` with a deadline; on timeout calls `onTimeout` and rejects saying what was awaited. */
export async function bounded<T>(what: string, ms: number, work: Promise<T>, onTimeout: () => void = () => {}): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new HarnessError(`timed out after ${(ms / 1000).toFixed(1)}s ${what}`));
    }, ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The TCP connection, with its own deadline (ssh2's readyTimeout starts only after it). */
function dial(d: Destination, label: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: d.host, port: d.port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new HarnessError(`cannot reach ${label}: no TCP connection within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new HarnessError(`cannot reach ${label}: ${err.code ?? err.message}`));
    });
  });
}

/** Says why ssh2 gave up, in the user's terms. */
function explain(err: Error & { level?: string }, label: string, keyProblem: string | undefined, creds: Credentials): HarnessError {
  if (keyProblem) return new HarnessError(`refusing ${label}: ${keyProblem}`);
  if (err.level === 'client-authentication') {
    const how = creds.kind === 'key' ? `the key ${creds.file}` : `the keys in ssh-agent (${creds.socket})`;
    return new HarnessError(`${label} refused ${how} (is its public key in the user's authorized_keys?)`);
  }
  if (err.level === 'client-timeout') return new HarnessError(`${label}: no SSH handshake within the deadline (is it an SSH server?)`);
  return new HarnessError(`${label}: ${err.message}`);
}

export class SshConnection {
  /** Why the connection is gone, once it is. */
  private lostWhy: string | undefined;
  private channels = 0;
  private readonly waiting: (() => void)[] = [];
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private readonly shells: ShellPool;

  private constructor(
    private readonly client: InstanceType<typeof Client>,
    readonly label: string,
    /** The host key the machine showed (already accepted). */
    readonly hostKey: Buffer,
    /** Our end of the TCP connection and the machine's, as IP addresses. */
    readonly localAddress: string,
    readonly remoteAddress: string,
  ) {
    this.shells = new ShellPool({ label, open: (command, what) => this.start(command, what), execOnce: (command, opts) => this.execOnce(command, opts) });
    client.on('error', (err) => (this.lostWhy ??= err.message));
    client.on('close', () => (this.lostWhy ??= 'the connection closed'));
  }

  static async open(d: Destination, opts: ConnectOptions): Promise<SshConnection> {
    const timeoutMs = opts.timeoutMs ?? CONNECT_TIMEOUT_MS;
    const sock = await dial(d, opts.label, timeoutMs);
    const client = new Client();
    let shown: Buffer | undefined;
    let keyProblem: string | undefined;
    const config: ConnectConfig = {
      sock, username: d.user, readyTimeout: timeoutMs, keepaliveInterval: 5000, keepaliveCountMax: 6,
      hostVerifier: (blob: Buffer) => {
        shown = blob;
        const verdict = opts.checkHostKey(blob);
        if (!verdict.ok) keyProblem = verdict.why;
        return verdict.ok;
      },
      ...(opts.credentials.kind === 'key' ? { privateKey: opts.credentials.privateKey } : { agent: opts.credentials.socket }),
      ...(opts.hostKeyAlgorithms ? { algorithms: { serverHostKey: opts.hostKeyAlgorithms as never } } : {}),
    };
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('ready', resolve);
        client.once('error', reject);
        client.connect(config);
      });
    } catch (err) {
      client.end();
      sock.destroy();
      throw explain(err as Error, opts.label, keyProblem, opts.credentials);
    }
    return new SshConnection(client, opts.label, shown!, sock.localAddress ?? '', sock.remoteAddress ?? d.host);
  }

  get lost(): string | undefined {
    return this.lostWhy;
  }

  private assertUp(): void {
    if (this.lostWhy) throw new HarnessError(`connection to ${this.label} lost: ${this.lostWhy}`);
  }

  /** Waits for a free channel slot (within the caller's deadline, which covers the wait). */
  private async acquire(): Promise<() => void> {
    while (this.channels >= MAX_CHANNELS) await new Promise<void>((r) => this.waiting.push(r));
    this.channels++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.channels--;
      this.waiting.shift()?.();
    };
  }

  /** Opens an exec channel for `command`. */
  private openExec(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => (err ? reject(new HarnessError(`${this.label}: cannot open a channel (${err.message}; the server's MaxSessions?)`)) : resolve(channel)));
    });
  }

  /** Runs a short command to completion, feeding `input`; kills it at the deadline. It runs in one
   *  of the connection's resident shells (no login shell per command), or on a channel of its own. */
  run(command: string, opts: { timeoutMs?: number; input?: string; what?: string } = {}): Promise<ExecResult> {
    this.assertUp();
    return this.shells.run(command, { timeoutMs: opts.timeoutMs ?? 30_000, input: opts.input, what: opts.what ?? command.slice(0, 120) });
  }

  /** Runs a short command on an exec channel of its own (through the login shell); kills it at the deadline. */
  async execOnce(command: string, opts: { timeoutMs?: number; input?: string; what?: string } = {}): Promise<ExecResult> {
    this.assertUp();
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const what = `running ${opts.what ?? command.slice(0, 120)} on ${this.label}`;
    let channel: ClientChannel | undefined;
    let release: (() => void) | undefined;
    let timedOut = false;
    const work = (async () => {
      release = await this.acquire();
      if (timedOut) throw new HarnessError(`${what}: gave up before a channel was free`);
      channel = await this.openExec(command);
      if (timedOut) channel.close();
      return await collect(channel, opts.input, () => this.lostWhy, this.label);
    })();
    try {
      return await bounded(what, timeoutMs, work, () => {
        timedOut = true;
        channel?.signal('KILL');
        channel?.close();
      });
    } finally {
      work.catch(() => {}).finally(() => release?.());
    }
  }

  /** Opens a channel that stays open (a daemon's wrapper); the slot is freed when it closes. */
  async start(command: string, what: string, timeoutMs = 15_000): Promise<ClientChannel> {
    this.assertUp();
    let timedOut = false;
    const work = (async () => {
      const release = await this.acquire();
      try {
        if (timedOut) throw new HarnessError('gave up');
        const channel = await this.openExec(command);
        channel.once('close', release);
        if (timedOut) channel.close();
        return channel;
      } catch (err) {
        release();
        throw err;
      }
    })();
    try {
      return await bounded(`opening a channel for ${what} on ${this.label}`, timeoutMs, work, () => (timedOut = true));
    } catch (err) {
      work.then((channel) => channel.close(), () => {}); // opened just too late: nobody will read it
      throw err;
    }
  }

  /** The connection's one SFTP session (opened on first use, holding one channel slot). */
  sftp(): Promise<SFTPWrapper> {
    this.assertUp();
    this.sftpSession ??= (async () => {
      const release = await this.acquire();
      try {
        return await bounded(`opening SFTP on ${this.label}`, 15_000, new Promise<SFTPWrapper>((resolve, reject) => {
          this.client.sftp((err, sftp) => (err ? reject(new HarnessError(`${this.label}: no SFTP (${err.message}; is the sftp subsystem enabled in sshd_config?)`)) : resolve(sftp)));
        }));
      } catch (err) {
        release();
        this.sftpSession = undefined;
        throw err;
      }
    })();
    return this.sftpSession;
  }

  close(): void {
    this.shells.close();
    this.lostWhy ??= 'closed by the harness';
    this.client.end();
  }
}

/** Gathers a channel's output until it closes, then its exit status (a signal as 128+N). */
function collect(channel: ClientChannel, input: string | undefined, lost: () => string | undefined, label: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let code: number | undefined;
    channel.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    channel.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    channel.on('exit', (c: number | null, signal?: string) => {
      code = c ?? 128 + (signalNumbers[signal ?? ''] ?? 0);
    });
    channel.on('close', () => {
      if (code === undefined) reject(new HarnessError(`${label}: the command ended without an exit status${lost() ? ` (connection lost: ${lost()})` : ''}`));
      else resolve({ code, stdout, stderr });
    });
    channel.end(input ?? '');
  });
}
