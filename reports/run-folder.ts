// Reading a stored run folder (store/<scenario>/<timestamp>/): the history (through the one history
// reader `faultline check` uses, with its rule: a run cut short may leave its last line cut off, which is
// skipped and noted; any other line that is not an op is an error naming file:line), result.json and
// the names and tails of the node logs.
import { readFile, readdir, stat, open } from 'node:fs/promises';
import path from 'node:path';
import { loadHistory } from '../harness/history/load.ts';
import type { Op } from '../harness/history/op.ts';
import type { RunResult } from '../harness/checker/result.ts';
import { UsageError } from '../harness/errors.ts';

export interface NodeLog {
  node: string;
  /** Path relative to the run folder, for links. */
  href: string;
  bytes: number;
  /** The last lines of the log (bounded). */
  tail: string;
}

export interface RunFolder {
  dir: string;
  history: Op[];
  /** Lines of history.jsonl that were skipped: a last line cut off by a run that ended abruptly. */
  skippedLines: number;
  result: RunResult | null;
  logs: NodeLog[];
}

/** Reads history.jsonl; a cut-off last line is counted in skippedLines, a run that recorded nothing
 *  has an empty history, and a line that is not an op is a UsageError naming file:line. */
export async function readHistory(file: string): Promise<{ history: Op[]; skippedLines: number }> {
  const parsed = loadHistory(file, { format: 'jsonl', allowEmpty: true });
  return { history: parsed.ops, skippedLines: parsed.cutOff === undefined ? 0 : 1 };
}

/** Reads the last `maxBytes` of a file as text, dropping a partial first line. */
export async function tailOf(file: string, maxBytes = 6000, maxLines = 40): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    let lines = buf.toString('utf8').split('\n');
    if (start > 0) lines = lines.slice(1);
    return lines.slice(-maxLines).join('\n').trimEnd();
  } finally {
    await handle.close();
  }
}

async function readLogs(dir: string): Promise<NodeLog[]> {
  const logDir = path.join(dir, 'logs');
  const names = await readdir(logDir).catch(() => [] as string[]);
  const logs: NodeLog[] = [];
  for (const name of names.filter((n) => n.endsWith('.log')).sort()) {
    const file = path.join(logDir, name);
    const info = await stat(file);
    if (!info.isFile()) continue;
    logs.push({ node: name.replace(/\.log$/, ''), href: `logs/${encodeURIComponent(name)}`, bytes: info.size, tail: await tailOf(file) });
  }
  return logs;
}

/** Loads a run folder; a folder with neither history.jsonl nor result.json is a usage error. */
export async function loadRunFolder(dir: string): Promise<RunFolder> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`not a run folder: ${dir} does not exist or is not a directory`);
  const historyFile = path.join(dir, 'history.jsonl');
  const hasHistory = await stat(historyFile).then((s) => s.isFile(), () => false);
  const result = await readResult(dir);
  if (!hasHistory && !result) throw new UsageError(`not a run folder: ${dir} has neither history.jsonl nor result.json`);
  const { history, skippedLines } = hasHistory ? await readHistory(historyFile) : { history: [], skippedLines: 0 };
  return { dir, history, skippedLines, result, logs: await readLogs(dir) };
}

/** result.json of a run, or null when it is missing; a corrupt one is a usage error. */
export async function readResult(dir: string): Promise<RunResult | null> {
  const text = await readFile(path.join(dir, 'result.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as RunResult;
  } catch (err) {
    throw new UsageError(`${path.join(dir, 'result.json')} is not valid JSON: ${(err as Error).message}`);
  }
}
