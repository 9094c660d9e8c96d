// What `--runtime ssh` is told on the command line, and how it is read: machines (a hosts file or a
// list), how to log in (a private key file or the agent), how to trust host keys (a known_hosts file,
// or accept-new for the run), whether to apt-get install what is missing, and where the per-run
// folder goes on each machine. Everything here is checked before any connection is made, so a typo is
// one clear line (exit 2), never a half-started run.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { UsageError } from '../../errors.ts';
import { parseKnownHosts, type KnownHostEntry } from './known-hosts.ts';
import { parseHostsFile, parseHostsList, type Machine } from './machines.ts';

export interface SshSettings {
  /** `--hosts-file FILE`: one `[user@]host[:port] [name] [address=IP]` a line. */
  hostsFile?: string;
  /** `--hosts a,b,c`. */
  hosts?: string;
  /** `--ssh-key FILE`: a private key (OpenSSH or PEM, unencrypted; load encrypted keys into the agent). */
  key?: string;
  /** `--known-hosts FILE`: verify host keys strictly against it. */
  knownHosts?: string;
  /** `--install`: apt-get install what a host lacks. */
  install?: boolean;
  /** `--remote-dir DIR`: where fl-<run>/ goes on each machine (default /tmp). */
  remoteDir?: string;
}

export const DEFAULT_REMOTE_DIR = '/tmp';

/** How the harness logs in: a key it read, or the agent's socket. */
export type Credentials = { kind: 'key'; file: string; privateKey: Buffer } | { kind: 'agent'; socket: string };

export interface ResolvedSettings {
  machines: Machine[];
  credentials: Credentials;
  /** Strict host key checking against these entries; undefined = accept-new for the run. */
  knownHosts?: { file: string; entries: KnownHostEntry[] };
  install: boolean;
  remoteDir: string;
}

const localUser = (): string => {
  try {
    return os.userInfo().username;
  } catch {
    return 'root';
  }
};

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${what} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function machinesOf(s: SshSettings): Machine[] {
  if (s.hostsFile && s.hosts) throw new UsageError('give either --hosts-file or --hosts, not both');
  if (s.hostsFile) return parseHostsFile(readText(s.hostsFile, '--hosts-file'), s.hostsFile, localUser());
  if (s.hosts) return parseHostsList(s.hosts, localUser());
  throw new UsageError('--runtime ssh needs the machines: --hosts-file FILE or --hosts host1,host2,...');
}

/** A private key ssh2 can use, or the agent; an encrypted key is refused with what to do instead. */
export function credentialsOf(keyFile: string | undefined, agentSocket = process.env.SSH_AUTH_SOCK): Credentials {
  if (!keyFile) {
    if (agentSocket) return { kind: 'agent', socket: agentSocket };
    throw new UsageError('--runtime ssh needs a key: --ssh-key FILE, or an ssh-agent (SSH_AUTH_SOCK) holding one');
  }
  const privateKey = Buffer.from(readText(keyFile, '--ssh-key'));
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    throw new UsageError(`--ssh-key ${keyFile}: ${encrypted ? 'the key is encrypted; add it to ssh-agent (ssh-add) and leave out --ssh-key' : `not a private key ssh can use (${parsed.message})`}`);
  }
  if (!(Array.isArray(parsed) ? parsed[0] : parsed).isPrivateKey()) throw new UsageError(`--ssh-key ${keyFile}: this is a public key; give the private one`);
  return { kind: 'key', file: path.resolve(keyFile), privateKey };
}

export function resolveSettings(s: SshSettings | undefined): ResolvedSettings {
  const settings = s ?? {};
  const machines = machinesOf(settings);
  const credentials = credentialsOf(settings.key);
  const knownHosts = settings.knownHosts ? { file: settings.knownHosts, entries: parseKnownHosts(readText(settings.knownHosts, '--known-hosts')) } : undefined;
  const remoteDir = settings.remoteDir ?? DEFAULT_REMOTE_DIR;
  if (!path.posix.isAbsolute(remoteDir) || /[\s'"\\]/.test(remoteDir)) throw new UsageError(`--remote-dir '${remoteDir}' must be an absolute path without spaces or quotes`);
  return { machines, credentials, ...(knownHosts ? { knownHosts } : {}), install: Boolean(settings.install), remoteDir: path.posix.normalize(remoteDir) };
}

/** Checks the settings (throws a UsageError on bad input) and returns the flags that reproduce them. */
export function checkedFlags(s: SshSettings | undefined): string {
  resolveSettings(s);
  return settingsFlags(s);
}

/** The flags that reproduce these settings, for the replay line. */
export function settingsFlags(s: SshSettings | undefined): string {
  if (!s) return '';
  const parts: string[] = [];
  if (s.hostsFile) parts.push(`--hosts-file ${s.hostsFile}`);
  if (s.hosts) parts.push(`--hosts ${s.hosts}`);
  if (s.key) parts.push(`--ssh-key ${s.key}`);
  if (s.knownHosts) parts.push(`--known-hosts ${s.knownHosts}`);
  if (s.remoteDir) parts.push(`--remote-dir ${s.remoteDir}`);
  return parts.join(' ');
}
