// `npm run build` (run by `npm ci` and `npm install` through `prepare`): bundles the CLI's TypeScript
// with esbuild into one CommonJS file, dist/cli.cjs, so that `faultline check` starts in little more
// than the time Node itself takes. What a cold start costs, measured: tsx compiling at each start
// (~0.6 s); then, with a file per module, the ES module loader resolving, reading and linking ~60
// files, and V8 compiling them. One CommonJS file skips the ES module loader altogether, and
// bin/compiled.js compiles it with a V8 code cache kept next to it (Node 20 has no built-in compile
// cache). A module reached by `import()` runs only when imported, as from the sources; a module the
// CLI reaches cannot use top-level await (CommonJS has none: the build fails, naming it). Only
// transpiles: type errors are `npm run typecheck`'s business.
//
// Writes dist/BUILD.json: the modification time and size of every file the bundle was made from, and
// the modification time of every directory they are in (a file added, removed or renamed there
// changes it: a glob import such as harness/cli.ts's `./commands/${name}.ts` may have gained a file).
// All of it is read *before* bundling, so an edit made during the build counts as a change.
// bin/compiled.js compares them cheaply at each start and runs the bundle only if nothing changed.
//
// Plain JavaScript: it must run before anything is compiled.
import { existsSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const ENTRY = 'harness/cli.ts';
/** Our sources: what the bundle may be made of, besides the packages below. */
const SOURCE_DIRS = ['harness', 'reports', 'targets', 'scenarios'];
/** Files that decide how the sources are bundled. */
const RECIPE = ['package.json', 'tsconfig.json', 'scripts/build.mjs'];
/** Packages bundled in: commander is on every command's path and is a CommonJS package of several
 *  files. Every other package stays external (loaded from node_modules as with tsx): native addons,
 *  packages that read files next to themselves, and zod, which `faultline check` loads only for a line
 *  it must explain. */
const BUNDLED_PACKAGES = ['commander'];

const rel = (abs) => path.relative(ROOT, abs).split(path.sep).join('/');

function walk(dir, visit) {
  visit(dir, true);
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const child = `${dir}/${entry.name}`;
    if (entry.isDirectory()) walk(child, visit);
    else visit(child, false);
  }
}

/** Where a bundled package lies, relative to ROOT, as Node and esbuild find it (node_modules here
 *  or further up, links resolved). */
function packageDir(name) {
  for (const dir of createRequire(path.join(ROOT, 'package.json')).resolve.paths(name) ?? []) {
    if (existsSync(path.join(dir, name, 'package.json'))) return rel(realpathSync(path.join(dir, name)));
  }
  throw new Error(`build: the package ${name} is not installed`);
}

/** [mtimeMs, size] of every file and the mtimeMs of every directory the bundle may be made from. */
function fingerprints() {
  const files = new Map(), dirs = new Map();
  const visit = (p, isDir) => {
    const s = statSync(path.join(ROOT, p));
    if (isDir) dirs.set(p, s.mtimeMs);
    else files.set(p, [s.mtimeMs, s.size]);
  };
  for (const dir of [...SOURCE_DIRS, ...BUNDLED_PACKAGES.map(packageDir)]) walk(dir, visit);
  for (const file of RECIPE) visit(file, false);
  return { files, dirs };
}

/** Our modules find files next to their source (reports/assets/, bin/faultline.js, runtimes by
 *  path) through import.meta.url, which a CommonJS bundle does not have: each gets the URL of its own
 *  source instead, from dist/ (where the bundle lies) to `../<source>`. Any other use of import.meta
 *  fails the build (logOverride below) rather than be left empty. */
const SOURCE_URL = '__faultlineSourceUrl';
/** Defined once at the top of the bundle, where `require` is still Node's (a module may have its own);
 *  after "use strict", which must stay the first statement. */
const SOURCE_URL_BANNER = `'use strict';\nconst ${SOURCE_URL} = (rel) => require('node:url').pathToFileURL(require('node:path').join(__dirname, rel)).href;`;
const sourceUrls = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const file = rel(args.path);
      if (file.startsWith('..') || file.includes('node_modules/')) return undefined;
      const text = readFileSync(args.path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', `${SOURCE_URL}(${JSON.stringify(`../${file}`)})`), loader: 'ts' };
    });
  },
};

/** Every bare import stays external except the packages bundled in. */
const externals = {
  name: 'externals',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return BUNDLED_PACKAGES.includes(name) ? undefined : { path: args.path, external: true };
    });
  },
};

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // An install without esbuild: nothing to bundle with, and tsx (a dependency) runs the sources.
  console.log('build: esbuild is not installed; bin/faultline.js will run the TypeScript sources through tsx');
  process.exit(0);
}

const before = fingerprints();
rmSync(DIST, { recursive: true, force: true });
let result;
try {
  result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    outfile: path.join(DIST, 'cli.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logOverride: { 'empty-import-meta': 'error' },
    banner: { js: SOURCE_URL_BANNER },
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [externals, sourceUrls],
  });
} catch {
  console.error('build: esbuild failed (above); bin/faultline.js will run the TypeScript sources through tsx');
  rmSync(DIST, { recursive: true, force: true });
  process.exit(1);
}

const outputs = Object.keys(result.metafile.outputs); // relative to ROOT, as the inputs
if (!outputs.includes('dist/cli.cjs')) throw new Error('build: dist/cli.cjs was not produced');

const sources = {}, dirs = {};
for (const input of [...Object.keys(result.metafile.inputs), ...RECIPE]) {
  if (!before.files.has(input)) throw new Error(`build: the bundle used ${input}, which this build did not fingerprint`);
  sources[input] = before.files.get(input);
  for (let dir = path.posix.dirname(input); before.dirs.has(dir); dir = path.posix.dirname(dir)) dirs[dir] = before.dirs.get(dir);
}
writeFileSync(path.join(DIST, 'BUILD.json'), `${JSON.stringify({ built: new Date().toISOString(), sources, dirs }, null, 1)}\n`);
console.log(`build: ${Object.keys(sources).length} sources bundled into dist/cli.cjs (${Math.round(result.metafile.outputs['dist/cli.cjs'].bytes / 1024)} KiB)`);
