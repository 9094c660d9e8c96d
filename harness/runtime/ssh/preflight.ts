// Before an ssh run starts anything, each machine is asked in one command what it has: the login's
// uid and whether sudo works without a password, the machine's own IPv4 addresses, whether the run's
// parent folder is writable, and for each requirement (the target's, plus iptables and setsid for
// the runtime itself, and for clock and disk faults when the run has them) whether it is there. What
// is missing is said exactly, per machine; with `--install` it is apt-get installed (as root or
// through sudo -n) and asked again.
import { UsageError } from '../../errors.ts';
import type { HostFeatures, HostRequirement } from '../types.ts';
import { clockRequirements, type LocalClockBuild } from './clock.ts';
import { DISK_REQUIREMENTS } from './disk.ts';
import type { SshConnection } from './connection.ts';
import { rootPrefix, shCommand } from './shell.ts';

/** What the runtime itself needs on every machine. */
export const RUNTIME_REQUIREMENTS: HostRequirement[] = [
  { what: 'iptables', test: 'command -v iptables-restore', debian: 'iptables' },
  { what: 'setsid', test: 'command -v setsid', debian: 'util-linux' },
];

/** What the run's clock and disk faults need of every machine (`build`: this machine's own builds
 *  of the clock helpers, which a machine without a compiler may take). */
export function featureRequirements(features: HostFeatures | undefined, build: LocalClockBuild | undefined): HostRequirement[] {
  return [...(features?.clock ? clockRequirements(build) : []), ...(features?.diskMb ? DISK_REQUIREMENTS : [])];
}

export interface Probe {
  uid: number;
  sudo: boolean;
  /** IPv4 addresses configured on the machine; undefined when it could not tell. */
  addresses: string[] | undefined;
  dirWritable: boolean;
  missing: HostRequirement[];
}

/** Args: parent folder, then one sh condition per requirement. */
export const PROBE_SCRIPT = [
  'dir=$1; shift',
  'echo "uid $(id -u)"',
  'if [ "$(id -u)" = 0 ] || sudo -n true >/dev/null 2>&1; then echo "sudo yes"; else echo "sudo no"; fi',
  'a=$(ip -o -4 addr show 2>/dev/null | awk \'{split($4, p, "/"); printf "%s ", p[1]}\')',
  '[ -n "$a" ] || a=$(hostname -I 2>/dev/null)',
  'echo "addresses ${a:--}"',
  'if [ -d "$dir" ] && [ -w "$dir" ]; then echo "dir yes"; else echo "dir no"; fi',
  'for t; do if (eval "$t") >/dev/null 2>&1; then echo "need ok"; else echo "need missing"; fi; done',
].join('\n');

export function parseProbe(out: string, requirements: readonly HostRequirement[]): Probe {
  const lines = out.split('\n');
  const value = (key: string) => lines.find((l) => l.startsWith(`${key} `))?.slice(key.length + 1).trim();
  const needs = lines.filter((l) => l.startsWith('need '));
  if (value('uid') === undefined || needs.length !== requirements.length) throw new Error(`unexpected answer to the probe: ${out.slice(0, 300)}`);
  const addresses = value('addresses');
  return {
    uid: Number(value('uid')),
    sudo: value('sudo') === 'yes',
    addresses: !addresses || addresses === '-' ? undefined : addresses.split(/\s+/).filter((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)),
    dirWritable: value('dir') === 'yes',
    missing: requirements.filter((_, i) => needs[i] === 'need missing'),
  };
}

export async function probe(conn: SshConnection, remoteDir: string, requirements: readonly HostRequirement[]): Promise<Probe> {
  const r = await conn.run(shCommand(PROBE_SCRIPT, [remoteDir, ...requirements.map((q) => q.test)]), { timeoutMs: 30_000, what: 'the preflight probe' });
  if (r.code !== 0) throw new UsageError(`${conn.label}: the preflight probe failed (exit ${r.code}): ${r.stderr.trim().slice(0, 300)}`);
  return parseProbe(r.stdout, requirements);
}

/** Debian packages that provide what is missing (those without a package cannot be installed). */
export const packagesFor = (missing: readonly HostRequirement[]): string[] => [...new Set(missing.flatMap((m) => (m.debian ? [m.debian] : [])))];

/** apt-get update + install, as root or through sudo -n; throws with the tail of its output. */
export async function install(conn: SshConnection, isRoot: boolean, packages: readonly string[]): Promise<void> {
  const apt = `${rootPrefix(isRoot)}env DEBIAN_FRONTEND=noninteractive apt-get -q`;
  const script = `command -v apt-get >/dev/null || { echo "no apt-get on this machine (faultline installs Debian packages only)" >&2; exit 1; }\n${apt} update && ${apt} install -y --no-install-recommends "$@"`;
  const r = await conn.run(shCommand(script, [...packages]), { timeoutMs: 600_000, what: `apt-get install ${packages.join(' ')}` });
  if (r.code !== 0) throw new UsageError(`${conn.label}: apt-get install ${packages.join(' ')} failed: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-2).join(' / ')}`);
}

/** One line on what a machine lacks and how to get it. */
export function describeMissing(label: string, missing: readonly HostRequirement[], canInstall: boolean): string {
  const packages = packagesFor(missing);
  const how = packages.length && canInstall ? `; run with --install (apt-get install ${packages.join(' ')}) or install ${packages.length > 1 ? 'them' : 'it'}` : '';
  return `${label} lacks ${missing.map((m) => m.what).join(', ')}${how}`;
}
