// The `--runtime ssh` flags, shared by the commands that run scenarios (scenario, compare), so both
// word them alike. Naming machines implies --runtime ssh; the other ssh flags mean nothing elsewhere.
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import type { SshSettings } from '../runtime/ssh/settings.ts';

export interface SshFlags {
  runtime?: string;
  hostsFile?: string;
  hosts?: string;
  sshKey?: string;
  knownHosts?: string;
  install?: boolean;
  remoteDir?: string;
}

export function addSshOptions(command: Command): Command {
  return command
    .option('--hosts-file <file>', 'ssh: the machines, one "[user@]host[:port] [name] [address=IP]" a line (implies --runtime ssh)')
    .option('--hosts <list>', 'ssh: the machines as user@host:port,... (implies --runtime ssh)')
    .option('--ssh-key <file>', 'ssh: private key to log in with (default: the ssh-agent at SSH_AUTH_SOCK)')
    .option('--known-hosts <file>', 'ssh: check host keys against this known_hosts file (default: accept each key for the run and save it in logs/known_hosts)')
    .option('--install', 'ssh: apt-get install what a machine lacks (java, ZooKeeper, uWSGI, nginx, iptables)')
    .option('--remote-dir <dir>', 'ssh: where each machine keeps the run folder fl-<run>/ (default /tmp)');
}

/** The ssh flags as runtime settings (sets o.runtime to ssh when machines are named), or undefined. */
export function sshSettings(o: SshFlags): SshSettings | undefined {
  const { hostsFile, hosts, sshKey: key, knownHosts, install, remoteDir } = o;
  const given = Object.entries({ 'hosts-file': hostsFile, hosts, 'ssh-key': key, 'known-hosts': knownHosts, install, 'remote-dir': remoteDir }).filter(([, v]) => v !== undefined);
  if (!given.length) return undefined;
  if (o.runtime === undefined && (hostsFile || hosts)) o.runtime = 'ssh';
  if (o.runtime !== 'ssh') throw new UsageError(`--${given[0][0]} is for --runtime ssh${o.runtime ? `, not ${o.runtime}` : ' (and needs --hosts-file or --hosts)'}`);
  return { hostsFile, hosts, key, knownHosts, install, remoteDir };
}

/** Removes the ssh flags from a parsed-options object (what is left goes to the run). */
export function withoutSshFlags<T extends SshFlags>(o: T): Omit<T, 'hostsFile' | 'hosts' | 'sshKey' | 'knownHosts' | 'install' | 'remoteDir'> {
  const { hostsFile: _f, hosts: _h, sshKey: _k, knownHosts: _kh, install: _i, remoteDir: _d, ...rest } = o;
  return rest;
}
