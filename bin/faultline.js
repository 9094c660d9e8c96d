#!/usr/bin/env node
// Entry point for `npx faultline`. Runs the bundled CLI in dist/ (built by `npm run build`, which
// `npm ci` runs through `prepare`) when it is up to date with the TypeScript sources; otherwise, or
// for commands that load TypeScript files by path while they run (scenario, list, compare, clean,
// campaign: scenarios, targets and runtimes are found as .ts files, and a target's servers are
// started through tsx), it runs the sources through tsx, as the dev loop does. An out-of-date build
// is said on a terminal (or with FAULTLINE_SHOW_START=1, which also names the mode used), never used.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleReason } from './compiled.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COMPILED_COMMANDS = new Set(['check', 'report', 'proxy', 'help']);

const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const stale = staleReason(ROOT);
const compiled = stale === null && (command === undefined || COMPILED_COMMANDS.has(command));
const show = process.env.FAULTLINE_SHOW_START === '1';
if (show) process.stderr.write(`faultline: ${compiled ? 'compiled CLI (dist/)' : `TypeScript sources through tsx (${stale ?? `'${command}' loads .ts files while it runs`})`}\n`);
else if (stale && process.stderr.isTTY) process.stderr.write(`faultline: ${stale}; running the TypeScript sources through tsx (slower start; \`npm run build\` refreshes dist/)\n`);

if (compiled) {
  await import('../dist/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../harness/cli.ts');
}
