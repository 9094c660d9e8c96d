// A remote host's folder on a filesystem of its own (HostDisk over ssh), as netns and docker do it: a
// size-limited tmpfs named fl-<run>-<host>, mounted over the host's folder as root (or through
// sudo -n) and owned by the login, so the daemons it runs can fill it. The mount is written into the
// run's record before `mount` runs, and removed by the machine's teardown (the end of the run, or
// `faultline clean` after a SIGKILLed harness) only while findmnt still shows faultline's own tmpfs
// there. Filling (dd to ENOSPC) and freeing go through the host's exec, as on every runtime; the time
// each takes is kept, since it is what a disk fault costs over the connection.
import { HarnessError } from '../../errors.ts';
import { ExecDisk } from '../disk/tmpfs-disk.ts';
import type { ExecResult, HostDisk, HostRequirement } from '../types.ts';
import type { SshConnection } from './connection.ts';
import { asRootCommand } from './shell.ts';

const MOUNT_TIMEOUT_MS = 15_000;

/** What a machine needs for disk faults (root cannot be installed: it is said up front). */
export const DISK_REQUIREMENTS: HostRequirement[] = [
  { what: 'root to mount the size-limited folder of disk faults (log in as root, or allow passwordless sudo for mount and umount)', test: '[ "$(id -u)" = 0 ] || { sudo -n mount --version && sudo -n umount --version; }' },
  { what: 'findmnt', test: 'command -v findmnt', debian: 'util-linux' },
];

/** Args: folder, mount name, size in MiB. The filesystem's root belongs to the login. */
export const MOUNT_SCRIPT = '$S mount -t tmpfs -o "size=$3m,mode=0755,uid=$(id -u),gid=$(id -g)" "$2" "$1"';

/**
 * Unmounts faultline's tmpfs `name` from the folder (lazily when something still holds it open),
 * however often it is mounted there; a mount of anything else there is left alone, with an error.
 * Prints `unmounted DIR` per mount removed. Args: folder, mount name.
 */
export const UNMOUNT_SCRIPT = [
  'i=0',
  'while src=$(findmnt -n -o SOURCE --mountpoint "$1" 2>/dev/null | tail -n 1) && [ -n "$src" ]; do',
  '  [ "$src" = "$2" ] || { echo "$1 has a mount that is not faultline\'s ($src): left alone" >&2; exit 1; }',
  '  $S umount "$1" 2>/dev/null || $S umount -l "$1" || exit 1',
  '  echo "unmounted $1"',
  '  i=$((i+1)); [ $i -lt 10 ] || { echo "$1 is still mounted after $i umounts" >&2; exit 1; }',
  'done',
].join('\n');

/** Mounts the tmpfs; throws why it could not (nothing is mounted then). */
export async function mountRemoteDisk(conn: SshConnection, isRoot: boolean, dir: string, name: string, sizeMb: number): Promise<void> {
  if (!name.startsWith('fl-')) throw new HarnessError(`refusing to mount '${name}': faultline's mounts are named fl-…`);
  const r = await conn.run(asRootCommand(isRoot, MOUNT_SCRIPT, [dir, name, String(sizeMb)]), { timeoutMs: MOUNT_TIMEOUT_MS, what: `mounting a ${sizeMb} MiB tmpfs on ${dir}` });
  if (r.code !== 0) throw new HarnessError(`cannot mount a ${sizeMb} MiB tmpfs on ${dir} on ${conn.label}: ${r.stderr.trim() || `exit ${r.code}`}`);
}

/** Unmounts it again; true when something was unmounted. Throws when it could not. */
export async function unmountRemoteDisk(conn: SshConnection, isRoot: boolean, dir: string, name: string): Promise<boolean> {
  const r = await conn.run(asRootCommand(isRoot, UNMOUNT_SCRIPT, [dir, name]), { timeoutMs: MOUNT_TIMEOUT_MS, what: `unmounting ${dir}` });
  if (r.code !== 0) throw new HarnessError(`cannot unmount ${dir} on ${conn.label}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout.includes('unmounted');
}

/** The disk of one remote host: ExecDisk through the host's exec, each fill and free timed. */
export class RemoteDisk implements HostDisk {
  private readonly disk: ExecDisk;

  constructor(exec: (command: string, args: string[], opts?: { timeoutMs?: number }) => Promise<ExecResult>, dir: string, readonly sizeBytes: number, private readonly timings: { fillMs: number[]; freeMs: number[] }) {
    this.disk = new ExecDisk(exec, dir, sizeBytes);
  }

  async fill(): Promise<{ bytes: number }> {
    const t0 = performance.now();
    const filled = await this.disk.fill();
    this.timings.fillMs.push(Math.round(performance.now() - t0));
    return filled;
  }

  async free(): Promise<void> {
    const t0 = performance.now();
    await this.disk.free();
    this.timings.freeMs.push(Math.round(performance.now() - t0));
  }
}
