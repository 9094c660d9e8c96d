// Loaded into every mocha process (.mocharc.json `require`): root hooks and global fixtures that make
// sure no test leaves anything on the machine, in serial runs and in the parallel suite alike.
//
// - After each test file (parallel suite: in the worker that ran it) or after all files (a serial
//   run): nothing the process itself owned may be left — no ledger of its runs, no container of its
//   own. Other processes' runs are not looked at: sibling workers and other people's tests are live.
// - Once after everything, in the main process (global teardown): on CI (the machine is ours alone,
//   and every worker has exited) every fl- thing counts; elsewhere, what the suite's workers owned
//   (they register in the session folder when they load this file). A leftover fails the run: mocha
//   counts the failed teardown, and the summary line says so.
//
// With FL_TEST_TIMINGS=1, each file's wall time (its hooks included) is measured in the process that
// ran it, and the teardown writes them into test/durations.json, by which the suite starts the
// longest files first (see test/README.md).
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'mocha';
import { everyLeftover, leftoversOwnedBy } from './leftovers.ts';

const SESSION_ENV = 'FL_TEST_SESSION';
const sessionDir = (id: string) => path.join(tmpdir(), `faultline-test-session-${id}`);

// a worker of the parallel suite registers itself, so the teardown knows whose runs to look at
const session = process.env[SESSION_ENV];
if (session && session !== String(process.pid)) {
  mkdirSync(sessionDir(session), { recursive: true });
  writeFileSync(path.join(sessionDir(session), String(process.pid)), '');
}

const REPO = path.resolve(import.meta.dirname, '../..');
const DURATIONS = path.join(REPO, 'test', 'durations.json');
const TIMINGS = 'timings.jsonl';

const fail = (what: string, found: string[]) => assert.deepEqual(found, [], `${what} left these behind:\n${found.join('\n')}`);

let fileStart = 0;

export const mochaHooks = {
  beforeAll(): void {
    fileStart = performance.now();
  },
  async afterAll(this: Context): Promise<void> {
    this.timeout(60_000);
    // parallel: the root suite holds one file's suites; serial: every file's
    const files = new Set((this.test?.parent?.suites ?? []).map((suite) => suite.file).filter((f) => f !== undefined));
    const file = files.size === 1 ? [...files][0] : undefined;
    const name = file ? path.relative(REPO, file) : 'the tests';
    if (process.env.FL_TEST_TIMINGS && file && session) {
      appendFileSync(path.join(sessionDir(session), TIMINGS), JSON.stringify({ file: name, seconds: Math.round((performance.now() - fileStart) / 100) / 10 }) + '\n');
    }
    fail(name, await leftoversOwnedBy([process.pid]));
  },
};

export function mochaGlobalSetup(): void {
  process.env[SESSION_ENV] = String(process.pid);
  mkdirSync(sessionDir(String(process.pid)), { recursive: true });
}

/** Merges the measured file times of this session into test/durations.json. */
function saveDurations(dir: string): void {
  let lines: string[];
  try {
    lines = readFileSync(path.join(dir, TIMINGS), 'utf8').split('\n').filter(Boolean);
  } catch {
    return;
  }
  const durations = JSON.parse(readFileSync(DURATIONS, 'utf8')) as Record<string, number>;
  for (const line of lines) {
    const { file, seconds } = JSON.parse(line) as { file: string; seconds: number };
    durations[file] = seconds;
  }
  const sorted = Object.fromEntries(Object.entries(durations).sort(([, a], [, b]) => b - a));
  writeFileSync(DURATIONS, JSON.stringify(sorted, null, 1) + '\n');
}

export async function mochaGlobalTeardown(): Promise<void> {
  const dir = sessionDir(String(process.pid));
  let workers: number[] = [];
  try {
    workers = readdirSync(dir).map(Number).filter(Number.isInteger);
    if (process.env.FL_TEST_TIMINGS) saveDurations(dir);
  } catch {
    // a serial run: no workers registered
  }
  rmSync(dir, { recursive: true, force: true });
  // this process's own runs were checked by the root hook already
  const found = process.env.CI ? (await everyLeftover()).filter((l) => !l.includes(`pid ${process.pid})`)) : await leftoversOwnedBy(workers);
  fail('the test suite', found);
}
