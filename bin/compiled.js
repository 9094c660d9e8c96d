'use strict';
// Whether the compiled CLI in dist/ may run, and running it.
//
// It may run when it was built (scripts/build.mjs) and nothing it was built from has changed since:
// every source file has the same modification time and size, and every directory they are in the
// same modification time (a file added, removed or renamed there may belong in the bundle). One stat
// per entry: about a millisecond. A developer who edits a .ts file must never get the old compiled code.
//
// It runs as Node would require it, but compiled with a V8 code cache kept beside it: the bytecode of
// what an earlier start ran, so a start does not parse and compile the bundle again (Node 20 has no
// compile cache of its own; measured, the cache takes ~8 ms off a ~110 ms start).
const { readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/** Why dist/ under `root` must not be used, or null when it is up to date. */
function staleReason(root) {
  let build;
  try {
    build = JSON.parse(readFileSync(path.join(root, 'dist', 'BUILD.json'), 'utf8'));
  } catch {
    return 'there is no compiled build in dist/';
  }
  const sources = Object.entries(build.sources ?? {});
  if (sources.length === 0) return 'dist/BUILD.json lists no sources';
  for (const [rel, [mtimeMs, size]] of sources) {
    const now = statSync(`${root}/${rel}`, { throwIfNoEntry: false });
    if (now === undefined) return `${rel} is gone since the last build`;
    if (now.mtimeMs !== mtimeMs || now.size !== size) return `${rel} changed since the last build`;
  }
  for (const [rel, mtimeMs] of Object.entries(build.dirs ?? {})) {
    const now = statSync(`${root}/${rel}`, { throwIfNoEntry: false });
    if (now === undefined) return `${rel}/ is gone since the last build`;
    if (now.mtimeMs !== mtimeMs) return `a file was added to, removed from or renamed in ${rel}/ since the last build`;
  }
  return null;
}

/**
 * dist/cli.cjs under `root`, compiled and ready to run. The code cache is tied to this bundle (its
 * size and time are in the cache's name, and a build empties dist/) and to this Node (its version too;
 * V8 also refuses a cache made by another version or with other flags). When there was none, or V8
 * refused it, one is written as the process exits, holding everything the run compiled; a read-only
 * dist/ just goes without.
 */
function compileBundle(root) {
  const file = path.join(root, 'dist', 'cli.cjs');
  const { size, mtimeMs } = statSync(file);
  const cacheFile = `${file}.${process.version}.${size}.${mtimeMs}.v8-cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), {
    filename: file,
    cachedData,
    // `import()` in the bundle (a package, or a .ts file by path) goes to Node's own loader
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const cache = cachedData === undefined ? 'none yet' : script.cachedDataRejected ? 'refused' : 'used';
  if (cache !== 'used') process.once('exit', () => writeCache(script, cacheFile));
  return {
    cache,
    run() {
      const module = { exports: {} };
      script.runInThisContext()(module.exports, Module.createRequire(file), module, file, path.dirname(file));
    },
  };
}

function writeCache(script, cacheFile) {
  const partial = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, cacheFile); // whole or not at all, whoever else writes it at the same time
  } catch {
    rmSync(partial, { force: true });
  }
}

exports.staleReason = staleReason;
exports.compileBundle = compileBundle;
