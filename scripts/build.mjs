// `npm run build` (run by `npm ci` and `npm install` through `prepare`): compiles the CLI's TypeScript
// (harness/ and reports/, with what they import) to JavaScript in dist/, so `faultline` starts
// without tsx compiling everything at each start. Only transpiles (`noCheck`): type errors are
// `npm run typecheck`'s business and must not break an install. Writes dist/BUILD.json: the
// modification time and size of every source the build used, read *before* compiling, so that
// bin/compiled.js can tell cheaply whether any source changed since (an edit made during the build
// counts as a change). Plain JavaScript: it must run before anything is compiled.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
/** Non-TypeScript files compiled modules read next to themselves. */
const ASSETS = ['reports/assets'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...filesUnder(rel));
    else out.push(rel);
  }
  return out;
}

function fingerprint(rel) {
  const s = statSync(path.join(ROOT, rel));
  return [s.mtimeMs, s.size];
}

const before = new Map();
for (const dir of ['harness', 'reports', 'targets', 'scenarios']) {
  for (const rel of filesUnder(dir)) if (rel.endsWith('.ts')) before.set(rel, fingerprint(rel));
}
for (const rel of [...CONFIGS, ...ASSETS.flatMap(filesUnder)]) before.set(rel, fingerprint(rel));

rmSync(DIST, { recursive: true, force: true });
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // An install without dev dependencies: nothing to compile with, and tsx (a dependency) runs the sources.
  console.log('build: typescript is not installed; bin/faultline.js will run the TypeScript sources through tsx');
  process.exit(0);
}
const run = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
if (run.status !== 0) {
  console.error('build: tsc failed; bin/faultline.js will run the TypeScript sources through tsx');
  rmSync(DIST, { recursive: true, force: true });
  process.exit(1);
}
for (const dir of ASSETS) cpSync(path.join(ROOT, dir), path.join(DIST, dir), { recursive: true });

const used = {};
for (const rel of filesUnder('dist').map((f) => f.slice('dist/'.length))) {
  const source = rel.endsWith('.js') && before.has(rel.replace(/\.js$/, '.ts')) ? rel.replace(/\.js$/, '.ts') : rel;
  if (!before.has(source)) throw new Error(`build: dist/${rel} has no source this build read`);
  used[source] = before.get(source);
}
for (const rel of CONFIGS) used[rel] = before.get(rel);
if (!existsSync(path.join(DIST, 'harness/cli.js'))) throw new Error('build: dist/harness/cli.js was not produced');
mkdirSync(DIST, { recursive: true });
writeFileSync(path.join(DIST, 'BUILD.json'), `${JSON.stringify({ built: new Date().toISOString(), sources: used }, null, 1)}\n`);
console.log(`build: ${Object.keys(used).length} sources compiled to dist/`);
