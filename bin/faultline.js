#!/usr/bin/env node
'use strict';
// Entry point for `npx faultline`. Runs the bundled CLI, dist/cli.cjs (built by `npm run build`, which
// `npm ci` runs through `prepare`), when it is up to date with the TypeScript sources; otherwise, or
// for commands that load TypeScript files by path while they run (scenario, list, compare, clean,
// campaign: scenarios, targets and runtimes are found as .ts files, and a target's servers are
// started through tsx), it runs the sources through tsx, as the dev loop does. An out-of-date build
// is said on a terminal (or with FAULTLINE_SHOW_START=1, which also names the mode used), never used.
// CommonJS (bin/package.json), like the bundle: a start that runs it never sets up the ES module
// loader, which was measured at ~10 ms of a ~110 ms start.
const path = require('node:path');
const { compileBundle, staleReason } = require('./compiled.js');

const ROOT = path.resolve(__dirname, '..');
const COMPILED_COMMANDS = new Set(['check', 'report', 'proxy', 'help']);

const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const stale = staleReason(ROOT);
const show = process.env.FAULTLINE_SHOW_START === '1';
if (stale === null && (command === undefined || COMPILED_COMMANDS.has(command))) {
  const bundle = compileBundle(ROOT);
  if (show) process.stderr.write(`faultline: compiled CLI (dist/cli.cjs; V8 code cache ${bundle.cache})\n`);
  bundle.run();
} else {
  if (show) process.stderr.write(`faultline: TypeScript sources through tsx (${stale ?? `'${command}' loads .ts files while it runs`})\n`);
  else if (stale && process.stderr.isTTY) process.stderr.write(`faultline: ${stale}; running the TypeScript sources through tsx (slower start; \`npm run build\` refreshes dist/)\n`);
  import('tsx/esm/api')
    .then(({ register }) => {
      register();
      return import('../harness/cli.ts');
    });
}
