// The uwsgi-* scenarios through the real pipeline (`faultline scenario`, default runtime): each passes
// on the real stack with exit 0 and its measurements in result.json, and each broken variant — a
// stack without the harakiri the scenario expects, a max-requests higher than the checker is told, a
// buffer-size larger than expected, an app performing its side effect twice — makes the run exit 1
// naming the broken promise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunResult } from '../harness/checker/result.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Runs `faultline scenario` as CI does; returns exit code, stdout and the run's result.json. */
function scenario(name: string, args: string[]): { code: number; out: string; result: RunResult } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-uwsgi-run-'));
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

const check = (result: RunResult, name: string) => {
  const c = result.checks.find((x) => x.checker === name);
  assert.ok(c, `no ${name} check in result.json`);
  return c;
};

describe('uwsgi scenarios through the real pipeline @integration', function () {
  this.timeout(120_000);

  it('uwsgi-harakiri passes with kill windows inside [H, H+3 s] in result.json', () => {
    const { code, out, result } = scenario('uwsgi-harakiri', ['--time-limit', '10']);
    assert.equal(code, 0, out);
    const kills = check(result, 'harakiri').details?.killWindows as { killDelayMs: number }[];
    assert.ok(kills.length > 0, 'no harakiri kill measured');
    for (const k of kills) assert.ok(k.killDelayMs >= 2000 && k.killDelayMs <= 5000, `kill after ${k.killDelayMs} ms`);
    assert.ok(result.metrics?.startMs, 'stack start time in metrics');
  });

  it('uwsgi-recycling passes with at most 10 requests per worker pid', () => {
    const { code, out, result } = scenario('uwsgi-recycling', ['--time-limit', '10']);
    assert.equal(code, 0, out);
    const workers = check(result, 'recycling').details?.workers as Record<string, number>;
    assert.ok(Object.keys(workers).length > 2, 'workers were recycled');
  });

  it('uwsgi-timeouts passes with 504s about 2 s after the request', () => {
    const { code, out, result } = scenario('uwsgi-timeouts', ['--time-limit', '10']);
    assert.equal(code, 0, out);
    const s = check(result, 'timeout').details?.stats504 as { count: number; min: number; max: number };
    assert.ok(s.count > 0 && s.min >= 1900 && s.max <= 3000, JSON.stringify(s));
  });

  it('uwsgi-faults passes under worker/master kills, partitions and pauses', () => {
    const { code, out, result } = scenario('uwsgi-faults', ['--time-limit', '15']);
    assert.equal(code, 0, out);
    assert.ok((result.schedule as unknown[]).length > 0);
    assert.equal(check(result, 'delivery').valid, true);
  });

  it('exits 1 when the stack runs without the harakiri the scenario expects', () => {
    const { code, out } = scenario('uwsgi-harakiri', ['--time-limit', '8', '--target', 'uwsgi-nginx:harakiri=0']);
    assert.equal(code, 1, out);
    assert.match(out, /INVALID: .*past harakiri 2 s, so its worker should have been killed and nginx should have answered 502 — it was answered 200/);
  });

  it('exits 1 when workers serve more requests than the max-requests the checker is told', () => {
    const { code, out } = scenario('uwsgi-recycling', ['--time-limit', '8', '--target', 'uwsgi-nginx:max-requests=30']);
    assert.equal(code, 1, out);
    assert.match(out, /INVALID: worker \d+ served \d+ requests, more than max-requests 10/);
  });

  it('exits 1 when uWSGI accepts a variable block larger than the buffer-size the scenario expects', () => {
    const { code, out } = scenario('uwsgi-timeouts', ['--time-limit', '5', '--target', 'uwsgi-nginx:buffer-size=8192']);
    assert.equal(code, 1, out);
    assert.match(out, /INVALID: bigvars request .* exceeds buffer-size 4096: uWSGI must refuse it and nginx answer 502 at once — it was answered 200/);
  });

  it('exits 1 when the app performs its side effect twice', () => {
    const { code, out } = scenario('uwsgi-recycling', ['--time-limit', '5', '--target', 'uwsgi-nginx:effect-twice=true']);
    assert.equal(code, 1, out);
    assert.match(out, /FAIL delivery: .*side effect happened 2 times: a POST's effect must happen at most once/);
  });
});
