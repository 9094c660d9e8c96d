// `npm run build` (run by `npm ci` and `npm install` through `prepare`): bundles the CLI's TypeScript
// with esbuild into a few ES modules in dist/ (one chunk per command, shared code in common chunks),
// so that `faultline check` starts in about the time Node itself takes: no tsx compiling at each start,
// and few files for the ES module loader to resolve and parse (module loading dominated the start of
// the file-per-module build). Only transpiles: type errors are `npm run typecheck`'s business.
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
/** Packages bundled in: commander is on every command's path and is one CommonJS package of several
 *  files; inlined, it costs one parse instead of a module graph. Every other package stays external
 *  (loaded from node_modules as with tsx): native addons, packages that read files next to
 *  themselves, and zod, which `faultline check` loads only for a line it must explain. */
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

/** esbuild sets one import.meta.url per output file; our modules find files next to their source
 *  (reports/assets/, bin/faultline.js, runtimes by path), so each gets the URL of its own source.
 *  Every output file lies directly in dist/ (checked below), so `../<source>` from it is the source. */
const sourceUrls = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const file = rel(args.path);
      if (file.startsWith('..') || file.includes('node_modules/')) return undefined;
      const text = readFileSync(args.path, 'utf8');
      const url = `new URL(${JSON.stringify(`../${file}`)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
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
    outdir: DIST,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // a bundled CommonJS package (commander) requires Node's built-ins through `require`
    banner: { js: "import { createRequire as __faultlineRequire } from 'node:module'; const require = __faultlineRequire(import.meta.url);" },
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
const nested = outputs.filter((o) => path.posix.dirname(o) !== 'dist');
if (nested.length) throw new Error(`build: every output must lie directly in dist/ (import.meta.url of sources depends on it): ${nested.join(', ')}`);
if (!existsSync(path.join(DIST, 'cli.js'))) throw new Error('build: dist/cli.js was not produced');

const sources = {}, dirs = {};
for (const input of [...Object.keys(result.metafile.inputs), ...RECIPE]) {
  if (!before.files.has(input)) throw new Error(`build: the bundle used ${input}, which this build did not fingerprint`);
  sources[input] = before.files.get(input);
  for (let dir = path.posix.dirname(input); before.dirs.has(dir); dir = path.posix.dirname(dir)) dirs[dir] = before.dirs.get(dir);
}
writeFileSync(path.join(DIST, 'BUILD.json'), `${JSON.stringify({ built: new Date().toISOString(), sources, dirs }, null, 1)}\n`);
const bytes = outputs.filter((o) => o.endsWith('.js')).reduce((n, o) => n + result.metafile.outputs[o].bytes, 0);
console.log(`build: ${Object.keys(sources).length} sources bundled into ${outputs.filter((o) => o.endsWith('.js')).length} modules in dist/ (${Math.round(bytes / 1024)} KiB)`);
