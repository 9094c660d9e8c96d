// The compiled CLI (dist/, scripts/build.mjs) and the entry point that chooses it: an out-of-date build
// is never used; when the build is up to date (as after `npm ci`), `faultline check` runs compiled and
// answers exactly as the TypeScript sources do.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { staleReason } from '../bin/compiled.js';
import { REPO } from './support/data.ts';

function fakeBuild(root: string, files: Record<string, string>): void {
  const sources: Record<string, [number, number]> = {};
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
    const s = statSync(path.join(root, rel));
    sources[rel] = [s.mtimeMs, s.size];
  }
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  writeFileSync(path.join(root, 'dist/BUILD.json'), JSON.stringify({ sources }));
}

function faultline(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/faultline.js'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The --json body without the fields that measure this particular run. */
function verdictOf(stdout: string): Record<string, unknown> {
  const { parseMs, elapsedMs, counterexampleMs, peakRssMb, ...rest } = JSON.parse(stdout) as Record<string, unknown>;
  void parseMs; void elapsedMs; void counterexampleMs; void peakRssMb;
  return rest;
}

describe('compiled CLI', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'fl-build-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a build is out of date when it is missing, or any source it used changed, moved in time or is gone', () => {
    assert.match(staleReason(dir)!, /no compiled build/);
    fakeBuild(dir, { 'harness/a.ts': 'export const a = 1;\n', 'harness/b.ts': 'export const b = 2;\n' });
    assert.equal(staleReason(dir), null);
    writeFileSync(path.join(dir, 'harness/a.ts'), 'export const a = 10;\n');
    assert.match(staleReason(dir)!, /harness\/a\.ts changed/);

    fakeBuild(dir, { 'harness/a.ts': 'export const a = 1;\n' });
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(dir, 'harness/a.ts'), later, later); // same size, new time (an editor's save)
    assert.match(staleReason(dir)!, /harness\/a\.ts changed/);

    fakeBuild(dir, { 'harness/a.ts': 'x\n' });
    rmSync(path.join(dir, 'harness/a.ts'));
    assert.match(staleReason(dir)!, /harness\/a\.ts is gone/);
  });

  it('faultline check runs compiled exactly when dist/ is up to date, with the same answers as the sources', () => {
    const fresh = staleReason(REPO) === null;
    for (const file of ['examples/cas-register-ok.jsonl', 'examples/cas-register-bad.jsonl']) {
      const compiled = faultline(['check', '--json', '--model', 'cas-register', file], { FAULTLINE_SHOW_START: '1' });
      assert.match(compiled.stderr, fresh ? /^faultline: compiled CLI \(dist\/\)\n$/ : /^faultline: TypeScript sources through tsx \(.+\)\n$/);
      const sources = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli.ts', 'check', '--json', '--model', 'cas-register', file], { cwd: REPO, encoding: 'utf8' });
      assert.equal(compiled.code, sources.status);
      assert.deepEqual(verdictOf(compiled.stdout), verdictOf(sources.stdout));
    }
  });

  it('commands that load TypeScript files while they run go through tsx; help lists every command either way', () => {
    assert.match(faultline(['list'], { FAULTLINE_SHOW_START: '1' }).stderr, /^faultline: TypeScript sources through tsx/);
    const help = faultline(['--help']);
    assert.equal(help.code, 0);
    for (const name of ['check', 'scenario', 'list', 'report', 'clean', 'proxy', 'compare']) assert.match(help.stdout, new RegExp(`\\n  ${name}\\b`));
  });
});
