// Memory bench section: `--memory-limit` is a ceiling on the whole process. A linearizable kv history of
// about 200 MB is generated in a temp folder, then checked in a child process (bench/memory-worker.ts)
// with the limit at 1×, 2× and 4× the file's size. Each answer must be a verdict or a one-line refusal
// saying the history does not fit — never a verdict about part of it — and the child's peak resident
// set (the kernel's high-water mark) must stay under the limit.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kvOps } from './kv-history.ts';
import type { BenchSection } from './run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKER = path.join(ROOT, 'bench/memory-worker.ts');
/** 760,000 appends and reads over 10,000 keys: about 201 MB of JSONL. */
const HISTORY = { ops: 760_000, keys: 10_000, seed: 42 };
const MB = 2 ** 20;

interface Row { limitMb: number; answer: string; summary: string; ms: number; peakMb: number }

function writeHistory(file: string): number {
  const fd = openSync(file, 'w');
  try {
    let batch = '';
    for (const op of kvOps(HISTORY)) {
      batch += `${JSON.stringify(op)}\n`;
      if (batch.length > 4 * MB) { writeSync(fd, batch); batch = ''; }
    }
    writeSync(fd, batch);
  } finally {
    closeSync(fd);
  }
  return statSync(file).size;
}

function check(file: string, limitMb: number): Row {
  const r = spawnSync(process.execPath, ['--import', 'tsx', WORKER, file, 'kv', String(limitMb)], { cwd: ROOT, encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`memory worker failed at --memory-limit ${limitMb}: ${r.stderr || r.error?.message}`);
  return { limitMb, ...(JSON.parse(r.stdout) as Omit<Row, 'limitMb'>) };
}

export const section: BenchSection = {
  name: 'memory',
  description: '--memory-limit as a ceiling on the whole process: a ~200 MB history under 1×, 2× and 4× its size',
  async run() {
    const dir = mkdtempSync(path.join(tmpdir(), 'fl-bench-memory-'));
    try {
      const file = path.join(dir, 'kv-200mb.jsonl');
      const bytes = writeHistory(file);
      const sizeMb = Math.ceil(bytes / MB);
      console.log(`history: ${HISTORY.ops} kv ops over ${HISTORY.keys} keys, ${(bytes / 1e6).toFixed(0)} MB (${sizeMb} MiB), linearizable by construction`);
      const rows = [1, 2, 4].map((k) => check(file, k * sizeMb));
      console.log(['limit MB', 'answer', 'peak RSS MB', 'peak/limit', 'seconds'].join('  '));
      for (const r of rows) console.log(`${String(r.limitMb).padStart(8)}  ${r.answer.padEnd(12)}  ${String(r.peakMb).padStart(11)}  ${(r.peakMb / r.limitMb).toFixed(2).padStart(10)}  ${(r.ms / 1000).toFixed(1).padStart(7)}`);
      for (const r of rows) console.log(`  ${r.limitMb} MB: ${r.summary}`);
      const over = rows.filter((r) => r.peakMb > r.limitMb);
      const wrong = rows.filter((r) => r.answer !== 'refused' && r.answer !== 'linearizable');
      if (over.length) console.log(`OVER THE LIMIT: ${over.map((r) => `${r.peakMb} MB at ${r.limitMb} MB`).join(', ')}`);
      return over.length === 0 && wrong.length === 0 && rows[2].answer === 'linearizable';
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
