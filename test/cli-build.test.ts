// The bundled CLI (dist/cli.cjs, scripts/build.mjs) and the entry point that chooses it: an out-of-date
// build is never used; when the build is up to date (as after `npm ci`), `faultline check`, `report`
// and `proxy` run bundled, with or without a V8 code cache, and answer exactly as the sources do. The
// build under test is made afresh in a copy of the sources, so these tests hold whatever state the
// repository's dist/ is in.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { staleReason } from '../bin/compiled.js';
import { writeExampleStore } from '../reports/examples.ts';
import { REPO } from './support/data.ts';

function fakeBuild(root: string, files: Record<string, string>): void {
  const sources: Record<string, [number, number]> = {};
  const dirs: Record<string, number> = {};
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  for (const rel of Object.keys(files)) {
    const s = statSync(path.join(root, rel));
    sources[rel] = [s.mtimeMs, s.size];
    dirs[path.dirname(rel)] = statSync(path.join(root, path.dirname(rel))).mtimeMs;
  }
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  writeFileSync(path.join(root, 'dist/BUILD.json'), JSON.stringify({ sources, dirs }));
}

interface Ran { code: number | null; stdout: string; stderr: string }

/** `faultline ARGS` as a user starts it, in `root`. */
function faultline(root: string, args: string[], env: Record<string, string> = {}): Ran {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/faultline.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same command run from the TypeScript sources through tsx, as the dev loop does. */
function fromSources(root: string, args: string[]): Ran {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MEASURED = new Set(['parseMs', 'elapsedMs', 'counterexampleMs', 'peakRssMb', 'generatedAt']);
/** A --json body or a report's embedded data without the fields that measure this particular run. */
function unmeasured(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unmeasured);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !MEASURED.has(k)).map(([k, v]) => [k, unmeasured(v)]));
}
/** A report page with its embedded data unmeasured: everything else must match byte for byte. */
function pageOf(file: string): { html: string; data: unknown } {
  const html = readFileSync(file, 'utf8');
  const m = /(<script type="application\/json" id="faultline-data">)(.*?)(<\/script>)/s.exec(html);
  assert.ok(m, `${file} embeds its data`);
  return { html: html.replace(m[2], ''), data: unmeasured(JSON.parse(m[2])) };
}

/** A copy of what the build reads (sources, entry point, build script), with the repository's
 *  node_modules linked in, built with `npm run build`'s script. */
function builtCopy(into: string): string {
  const root = path.join(into, 'repo');
  for (const p of ['harness', 'reports', 'targets', 'scenarios', 'bin', 'scripts', 'examples', 'package.json', 'tsconfig.json']) cpSync(path.join(REPO, p), path.join(root, p), { recursive: true });
  symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(build.status, 0, build.stderr);
  assert.match(build.stdout, /^build: \d+ sources bundled into dist\/cli\.cjs /m);
  return root;
}

const SHOW = { FAULTLINE_SHOW_START: '1' };
const COMMANDS = ['check', 'scenario', 'list', 'report', 'clean', 'proxy', 'compare', 'campaign'];
const COMPILED = /^faultline: compiled CLI \(dist\/cli\.cjs; V8 code cache (used|none yet)\)\n/;

describe('bundled CLI', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'fl-build-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a build is out of date when it is missing, any source it used changed, moved in time or is gone, or a file came or went beside them', () => {
    assert.match(staleReason(dir)!, /no compiled build/);
    fakeBuild(dir, { 'harness/a.ts': 'export const a = 1;\n', 'harness/commands/b.ts': 'export const b = 2;\n' });
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

    // a new command file: `./commands/${name}.ts` would have bundled it
    fakeBuild(dir, { 'harness/cli.ts': 'x\n', 'harness/commands/check.ts': 'y\n' });
    writeFileSync(path.join(dir, 'harness/commands/new.ts'), 'z\n');
    assert.match(staleReason(dir)!, /a file was added to, removed from or renamed in harness\/commands\//);
  });

  it('commands that load TypeScript files while they run go through tsx; help lists every command either way', () => {
    assert.match(faultline(REPO, ['list'], SHOW).stderr, /^faultline: TypeScript sources through tsx/);
    const help = faultline(REPO, ['--help']);
    assert.equal(help.code, 0);
    for (const name of COMMANDS) assert.match(help.stdout, new RegExp(`\\n  ${name}\\b`));
  });
});

describe('bundled CLI: a build of its own @integration', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'fl-build-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('check and report run bundled after a build and answer exactly as the sources; any edit sends every command back to the sources', async () => {
    const root = builtCopy(dir);
    // check: verdicts, counterexample, the one-line error for a bad line
    writeFileSync(path.join(root, 'bad-line.jsonl'), '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok","f":"read","time":"late"}\n{"process":1,"type":"invoke","f":"read"}\n');
    for (const file of ['examples/cas-register-ok.jsonl', 'examples/cas-register-bad.jsonl', 'bad-line.jsonl']) {
      const args = ['check', '--json', '--model', 'cas-register', file];
      const bundled = faultline(root, args, SHOW), sources = fromSources(root, args);
      assert.match(bundled.stderr, COMPILED);
      assert.equal(bundled.code, sources.code, file);
      assert.equal(bundled.stderr.replace(COMPILED, ''), sources.stderr, file);
      if (sources.code !== 2) assert.deepEqual(unmeasured(JSON.parse(bundled.stdout)), unmeasured(JSON.parse(sources.stdout)), file);
    }
    assert.match(faultline(root, ['check', '--model', 'cas-register', 'bad-line.jsonl']).stderr, /^faultline: bad-line\.jsonl:2: not a history op: time must be a number, got "late"\n$/);

    // check --report: the report modules, loaded only for --report, find their assets beside their sources
    const args = (out: string) => ['check', '--model', 'cas-register', 'examples/cas-register-bad.jsonl', '--report', out];
    assert.equal(faultline(root, args(path.join(dir, 'bundled.html'))).code, 1);
    assert.equal(fromSources(root, args(path.join(dir, 'sources.html'))).code, 1);
    assert.deepEqual(pageOf(path.join(dir, 'bundled.html')), pageOf(path.join(dir, 'sources.html')));

    // report DIR: the same page as the sources make
    const { violating } = await writeExampleStore(path.join(dir, 'store'));
    assert.equal(fromSources(root, ['report', violating]).code, 0);
    const fromTs = readFileSync(path.join(violating, 'report.html'), 'utf8');
    const report = faultline(root, ['report', violating], SHOW);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stderr, COMPILED);
    assert.equal(readFileSync(path.join(violating, 'report.html'), 'utf8'), fromTs);

    // help: every command's module loads from the bundle
    const help = faultline(root, ['--help'], SHOW);
    assert.match(help.stderr, COMPILED);
    for (const name of COMMANDS) assert.match(help.stdout, new RegExp(`\\n  ${name}\\b`));

    // an edit anywhere in the bundle's sources, or a new file beside them: the sources run, and say why
    appendFileSync(path.join(root, 'harness/checker/describe.ts'), '// edited\n');
    assert.match(faultline(root, ['check', '--model', 'cas-register', 'examples/cas-register-ok.jsonl'], SHOW).stderr, /^faultline: TypeScript sources through tsx \(harness\/checker\/describe\.ts changed since the last build\)\n/);
    assert.equal(spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root }).status, 0);
    assert.equal(staleReason(root), null);
    writeFileSync(path.join(root, 'harness/commands/extra.ts'), 'export {};\n');
    assert.match(faultline(root, ['--help'], SHOW).stderr, /^faultline: TypeScript sources through tsx \(a file was added to, removed from or renamed in harness\/commands\/ since the last build\)\n/);
  });

  it('the first bundled start leaves a V8 code cache that the next ones use; a cache V8 refuses is replaced, one that cannot be written is done without; answers unchanged', () => {
    const root = builtCopy(dir);
    const args = ['check', '--json', '--model', 'cas-register', 'examples/cas-register-bad.jsonl'];
    const caches = () => readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.v8-cache'));
    const sources = fromSources(root, args);
    const answers = (cache: string) => {
      const r = faultline(root, args, SHOW);
      assert.equal(r.stderr, `faultline: compiled CLI (dist/cli.cjs; V8 code cache ${cache})\n`);
      assert.equal(r.code, sources.code);
      assert.deepEqual(unmeasured(JSON.parse(r.stdout)), unmeasured(JSON.parse(sources.stdout)));
    };
    answers('none yet');
    assert.equal(caches().length, 1);
    answers('used');
    answers('used');
    writeFileSync(path.join(root, 'dist', caches()[0]), 'not a code cache');
    answers('refused');
    answers('used');
    assert.equal(caches().length, 1);

    // where the cache cannot be written (a read-only dist/; as root, a directory in its place): every
    // start goes without, and leaves nothing half-written behind
    const cache = caches()[0];
    rmSync(path.join(root, 'dist', cache));
    mkdirSync(path.join(root, 'dist', cache));
    answers('none yet');
    answers('none yet');
    assert.deepEqual(readdirSync(path.join(root, 'dist')).sort(), ['BUILD.json', 'cli.cjs', 'cli.cjs.map', cache]);
  });
});
