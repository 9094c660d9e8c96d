// Thin wrappers over iproute2 for the few things the netns runtime and `faultline clean` do with
// namespaces and links. Every call has a deadline; deletions tolerate "already gone" so undos stay
// idempotent.
import { processState, runChecked, runCommand, waitFor } from '../process.ts';

const IP_TIMEOUT_MS = 10_000;

export const ip = (...args: string[]): Promise<string> => runChecked('ip', args, { timeoutMs: IP_TIMEOUT_MS });

/** Names from `ip netns list` ("fl-a3f9-n1 (id: 3)" → "fl-a3f9-n1"). */
export async function listNamespaces(): Promise<string[]> {
  const out = await ip('netns', 'list');
  return out.split('\n').map((l) => l.trim().split(' ')[0]).filter(Boolean);
}

/** Link names in the root namespace ("fl-a3f9-h@if5" → "fl-a3f9-h"). */
export async function listLinks(): Promise<string[]> {
  const out = await ip('-o', 'link', 'show');
  return out.split('\n').map((l) => l.split(': ')[1]?.split('@')[0]).filter((n): n is string => Boolean(n));
}

/** Pids of the processes living in a namespace (empty when it does not exist). */
export async function namespacePids(ns: string): Promise<number[]> {
  const r = await runCommand('ip', ['netns', 'pids', ns], { timeoutMs: IP_TIMEOUT_MS });
  if (r.code !== 0) return [];
  return r.stdout.split('\n').map(Number).filter((n) => n > 0);
}

/** Gone or a zombie waiting to be reaped: either way it holds nothing any more. */
const pidGone = (pid: number): boolean => {
  const state = processState(pid);
  return state === undefined || state === 'Z';
};

/** SIGKILLs every process inside `ns` (all of them are ours: we made the namespace) and waits. */
export async function killNamespacePids(ns: string): Promise<number[]> {
  const pids = await namespacePids(ns);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  if (pids.length) await waitFor(`processes ${pids.join(', ')} in ${ns} to exit`, 10_000, () => pids.every(pidGone), 50);
  return pids;
}

/** Kills what runs inside a namespace and deletes it (its veth ends go with it). */
export async function deleteNamespace(ns: string): Promise<void> {
  await killNamespacePids(ns);
  const r = await runCommand('ip', ['netns', 'del', ns], { timeoutMs: IP_TIMEOUT_MS });
  if (r.code !== 0 && !/No such file/.test(r.stderr)) throw new Error(`ip netns del ${ns}: ${r.stderr.trim()}`);
}

/** Deletes a root-namespace link (both ends of a veth go). */
export async function deleteLink(name: string): Promise<void> {
  const r = await runCommand('ip', ['link', 'del', name], { timeoutMs: IP_TIMEOUT_MS });
  if (r.code !== 0 && !/Cannot find device/.test(r.stderr)) throw new Error(`ip link del ${name}: ${r.stderr.trim()}`);
}
