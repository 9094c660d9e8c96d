// Finds a runtime by name (`--runtime netns|docker|local`) and picks the default one: netns when we
// are root and it can run, otherwise local (plain processes on loopback, links through the proxy).
// Runtimes are loaded lazily so a machine without Docker never imports testcontainers.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.ts';
import type { RuntimeFactory, RuntimeKind } from './types.ts';

export const RUNTIME_KINDS: readonly RuntimeKind[] = ['netns', 'docker', 'local', 'ssh'];

const moduleUrl = (kind: string) => new URL(`./${kind}/index.ts`, import.meta.url);

/** Whether this build ships the runtime (its module exists). */
export function runtimeInstalled(kind: RuntimeKind): boolean {
  return existsSync(fileURLToPath(moduleUrl(kind)));
}

export async function loadRuntime(kind: string): Promise<RuntimeFactory> {
  if (!(RUNTIME_KINDS as readonly string[]).includes(kind)) throw new UsageError(`unknown runtime '${kind}' (known: ${RUNTIME_KINDS.join(', ')})`);
  if (!runtimeInstalled(kind as RuntimeKind)) throw new UsageError(`runtime '${kind}' is not part of this build (available: ${RUNTIME_KINDS.filter(runtimeInstalled).join(', ')})`);
  const mod = (await import(moduleUrl(kind).href)) as { default: RuntimeFactory };
  return mod.default;
}

/** netns as root (when it can run here), otherwise local; says which and why through `log`. */
export async function defaultRuntime(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<RuntimeKind> {
  const netns = await loadRuntime('netns');
  const why = await netns.unavailable();
  if (!why) return 'netns';
  log(`faultline: using --runtime local because netns cannot run here: ${why}`);
  return 'local';
}
