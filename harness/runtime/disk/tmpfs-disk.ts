// A host folder on a filesystem of its own, of a fixed size, that a disk fault can fill: a tmpfs
// mounted over the folder by the runtime (root only), named fl-<run>-<host> so `faultline clean` can
// find it, written into the run's ledger before it exists and unmounted by the run's undo. Filling
// and freeing go through the host's own `exec` (dd until ENOSPC, rm), so the same disk works for a
// folder a container bind-mounts and, later, for a host reached over ssh.
import { readFileSync } from 'node:fs';
import { HarnessError } from '../../errors.ts';
import type { Cleanup } from '../../cleanup.ts';
import type { Ledger } from '../ledger.ts';
import { runChecked, runCommand } from '../process.ts';
import type { ExecResult, HostDisk } from '../types.ts';

/** The file fill() writes; free() removes it. */
export const FILL_FILE = '.fl-disk-fill';

type Exec = (command: string, args: string[], opts?: { timeoutMs?: number }) => Promise<ExecResult>;

/** Mount points (as /proc/mounts lists them) whose source starts with `prefix`. */
export function mountsNamed(prefix: string, table = readFileSync('/proc/mounts', 'utf8')): { source: string; target: string }[] {
  return table.split('\n').map((l) => l.split(' ')).filter((f) => f.length > 2 && f[0].startsWith(prefix))
    .map((f) => ({ source: f[0], target: f[1].replace(/\\040/g, ' ') }));
}

const mounted = (dir: string): boolean => mountsNamed('fl-').some((m) => m.target === dir);

/** Unmounts `dir` if a faultline tmpfs is mounted there (lazily when something still holds it open). */
export async function unmountDisk(dir: string): Promise<boolean> {
  if (!mounted(dir)) return false;
  const r = await runCommand('umount', [dir], { timeoutMs: 10_000 });
  if (r.code !== 0) await runChecked('umount', ['-l', dir], { timeoutMs: 10_000 });
  return true;
}

/** Mounts a `sizeMb` tmpfs named `name` over `dir` (which must exist), ledger first, undo registered. */
export async function mountDisk(b: { ledger: Ledger; undo: Cleanup }, dir: string, name: string, sizeMb: number): Promise<void> {
  if (!name.startsWith('fl-')) throw new HarnessError(`refusing to mount '${name}': faultline's mounts are named fl-…`);
  b.ledger.add('mounts', dir);
  try {
    await runChecked('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0755`, name, dir], { timeoutMs: 10_000 });
  } catch (err) {
    b.ledger.drop('mounts', dir);
    throw err;
  }
  b.undo.add(`mount ${dir}`, async () => {
    await unmountDisk(dir);
    b.ledger.drop('mounts', dir);
  });
}

/** The disk of one host: `dir` as the host's own processes see it, filled through `exec`. */
export class ExecDisk implements HostDisk {
  constructor(private readonly exec: Exec, private readonly dir: string, readonly sizeBytes: number) {}

  /** dd until the filesystem refuses (ENOSPC), then proof that nothing is left: 0 blocks available. */
  async fill(): Promise<{ bytes: number }> {
    const file = `${this.dir}/${FILL_FILE}`;
    const script = 'dd if=/dev/zero of="$1" bs=1M 2>/dev/null; sync "$1" 2>/dev/null; echo "$(stat -c %s "$1") $(stat -f -c %a "$(dirname "$1")")"';
    const r = await this.exec('sh', ['-c', script, 'sh', file], { timeoutMs: 30_000 });
    const [bytes, available] = r.stdout.trim().split(' ').map(Number);
    if (!Number.isFinite(bytes)) throw new HarnessError(`filling ${this.dir} failed: ${r.stderr.trim() || r.stdout.trim()}`);
    if (available !== 0) throw new HarnessError(`filling ${this.dir} left ${available} blocks free (wrote ${bytes} bytes)`);
    return { bytes };
  }

  async free(): Promise<void> {
    const r = await this.exec('rm', ['-f', `${this.dir}/${FILL_FILE}`], { timeoutMs: 10_000 });
    if (r.code !== 0) throw new HarnessError(`freeing ${this.dir} failed: ${r.stderr.trim()}`);
  }
}
