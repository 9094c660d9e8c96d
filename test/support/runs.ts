// Running scenarios from tests: through runScenario (in-process) or the `faultline scenario` command
// (as CI does), each in a temporary folder of its own that is removed afterwards, plus the lookups the
// assertions use.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CheckResult, RunResult } from '../../harness/checker/result.ts';
import { runScenario, type RunOptions, type RunOutcome } from '../../harness/scenario/run.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** One run through the real pipeline in a fresh folder, removed once the outcome is in. */
export async function runInTemp(o: Omit<RunOptions, 'out'>): Promise<RunOutcome> {
  const out = mkdtempSync(path.join(tmpdir(), `fl-${o.scenario}-`));
  try {
    return await runScenario({ ...o, out });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** `faultline scenario NAME --seed 7 ARGS` as CI runs it: exit code, output and result.json. */
export function cliScenario(name: string, args: string[]): { code: number; out: string; result: RunResult } {
  const dir = mkdtempSync(path.join(tmpdir(), `fl-${name}-cli-`));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli.ts', 'scenario', name, '--seed', '7', '--out', dir, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    assert.ok(existsSync(path.join(dir, 'result.json')), `no result.json (exit ${r.status}):\n${out.slice(-2000)}`);
    const result = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as RunResult;
    return { code: r.status ?? -1, out, result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The result's check named `name` (an assertion error when there is none). */
export function checkNamed(result: RunResult, name: string): CheckResult {
  const c = result.checks.find((x) => x.checker === name);
  assert.ok(c, `no ${name} check in the result`);
  return c;
}

/** Every check's verdict and summary, for assertion messages. */
export const summary = (r: RunResult): string =>
  `${r.scenario} on ${r.target}, seed ${r.seed}:\n${r.checks.map((c) => `  ${c.checker}: ${c.valid} — ${c.summary}`).join('\n')}`;
