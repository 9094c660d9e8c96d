// `faultline scenario` as a user meets it with bad options, and where a run writes: a usage error is one
// line and exit 2 before anything exists; a run with --out writes only inside its folder (no index.html
// above a folder that is not in a store); `faultline report` on that folder with a garbled middle line
// of its history fails the way `check` does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function faultline(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every path under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe('faultline scenario: options and run folders @integration', function () {
  this.timeout(240_000);
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'fl-scenario-cli-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--nodes 4 on zookeeper and zk-lite:bug=nosuch are one-line usage errors before anything is created', () => {
    const out = path.join(dir, 'bad', 'run');
    for (const [args, message] of [
      [['zk-register', '--nodes', '4'], /^faultline: zookeeper runs with 3 or 5 nodes, not 4 \(--nodes\)\n$/],
      [['zk-register', '--target', 'zk-lite:bug=nosuch'], /^faultline: zk-lite option bug="nosuch": no bug 'nosuch' \(known: stale-read, .*\)\n$/],
    ] as const) {
      const r = faultline('scenario', ...args, '--time-limit', '1', '--out', out);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
    assert.deepEqual(readdirSync(dir), [], 'no run folder, no index');
  });

  it('a run with --out writes only inside its folder; report on it refuses a garbled middle line as check does', () => {
    const parent = path.join(dir, 'runs');
    const run = path.join(parent, 'x', 'run');
    const r = faultline('scenario', 'zk-register', '--target', 'zk-lite', '--runtime', 'local', '--time-limit', '1', '--seed', '5', '--out', run);
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}\n${r.stdout}\n${r.stderr.slice(-2000)}`);
    const written = tree(parent);
    assert.ok(written.every((p) => p === 'x' || p === 'x/run' || p.startsWith('x/run/')), written.join('\n'));
    assert.ok(written.includes('x/run/report.html') && written.includes('x/run/result.json'), written.join('\n'));
    assert.ok(!written.some((p) => p.endsWith('index.html')), 'no store index outside a store');

    const history = path.join(run, 'history.jsonl');
    const lines = readFileSync(history, 'utf8').trimEnd().split('\n');
    lines[3] = lines[3].slice(0, 20);
    writeFileSync(history, `${lines.join('\n')}\n`);
    const report = faultline('report', run);
    assert.equal(report.code, 2, report.stdout);
    assert.match(report.stderr, /^faultline: .*history\.jsonl:4: not a history op: the line is cut off mid-way \(incomplete JSON\) and more lines follow it\n$/);
    const check = faultline('check', '--model', 'cas-register', history);
    assert.equal(check.code, 2);
    assert.equal(check.stderr, report.stderr, 'check and report say the same');
  });
});
