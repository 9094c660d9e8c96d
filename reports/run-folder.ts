// Reading a stored run folder (store/<scenario>/<timestamp>/): the history line by line, result.json and
// the names and tails of the node logs. A run that was cut short leaves a truncated last history line;
// that line is skipped rather than failing the whole report.
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat, open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import path from 'node:path';
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
  /** Lines of history.jsonl that were not valid JSON (a truncated last line, typically). */
  skippedLines: number;
  result: RunResult | null;
  logs: NodeLog[];
}

/** Streams history.jsonl into Op records; unparsable lines are counted, not fatal. */
export async function readHistory(file: string): Promise<{ history: Op[]; skippedLines: number }> {
  const history: Op[] = [];
  let skippedLines = 0;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    try {
      const op = JSON.parse(line) as Op;
      if (op && typeof op === 'object' && typeof op.type === 'string') {
        const index = typeof op.index === 'number' ? op.index : history.length;
        history.push({ ...op, index, time: typeof op.time === 'number' ? op.time : index });
      }
      else skippedLines++;
    } catch {
      skippedLines++;
    }
  }
  return { history, skippedLines };
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
