// Tests that run faultline as an ordinary user (uid 65534) need the repository to be readable by that
// user. A CI clone may live in a private folder (mode 700), so such tests get a world-readable copy
// (sources and node_modules, no store or .git) when the original is not readable; removed afterwards.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../../harness/runtime/process.ts';

export const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

/** A folder holding the repository that uid 65534 can read, and a function removing it if it is a copy. */
export async function repoReadableByNobody(root: string): Promise<{ dir: string; dispose: () => void }> {
  const probe = await runCommand('setpriv', [...NOBODY, 'test', '-r', path.join(root, 'package.json')], { timeoutMs: 10_000 });
  if (probe.code === 0) return { dir: root, dispose: () => {} };
  const base = mkdtempSync(path.join(os.tmpdir(), 'fl-nobody-'));
  chmodSync(base, 0o755);
  const dir = path.join(base, 'repo');
  const copy = await runCommand('sh', ['-c', 'mkdir "$2" && tar -C "$1" --exclude=./store --exclude=./.git -cf - . | tar -C "$2" -xf - && chmod -R a+rX "$2"', 'sh', root, dir], { timeoutMs: 120_000 });
  if (copy.code !== 0) throw new Error(`could not copy the repository for uid 65534: ${copy.stderr}`);
  return { dir, dispose: () => rmSync(base, { recursive: true, force: true }) };
}
