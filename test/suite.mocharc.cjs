// The whole suite (`npm test`): every test/**/*.test.ts, run by mocha --parallel in 4 worker
// processes (FL_TEST_JOBS=N for another count), longest files first so the slow integration files do not end up last (their measured
// seconds are in test/durations.json; a file not listed there yet starts first). The worker pool,
// the root hooks and the leftover checks are described in test/README.md and test/support/hooks.ts.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const here = __dirname;
const root = path.dirname(here);
const base = JSON.parse(fs.readFileSync(path.join(root, '.mocharc.json'), 'utf8'));
const seconds = JSON.parse(fs.readFileSync(path.join(here, 'durations.json'), 'utf8'));

/** Every test file under test/, as a path relative to the repository. */
function testFiles(dir = here) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(full);
    return e.name.endsWith('.test.ts') ? [path.relative(root, full)] : [];
  });
}

const unknown = Infinity; // a new file may be long: start it early
const longestFirst = (files) => [...files].sort((a, b) => (seconds[b] ?? unknown) - (seconds[a] ?? unknown) || a.localeCompare(b));
// FL_TEST_SPEC=a,b runs just those files the suite's way (the runner's own test uses it)
const files = process.env.FL_TEST_SPEC ? process.env.FL_TEST_SPEC.split(',') : longestFirst(testFiles());

module.exports = {
  ...base,
  parallel: true,
  jobs: Number(process.env.FL_TEST_JOBS) || 4,
  reporter: path.join(here, 'support', 'summary-reporter.cjs'),
  spec: files,
};
