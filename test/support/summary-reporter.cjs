// The suite's reporter: mocha's spec output, then one last line CI can read —
// "N passed, N failed" (", N pending" when some are). It is printed after the global teardown, so a
// leftover found there counts as a failure too. (CommonJS: mocha loads reporters with require.)
'use strict';
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  done(failures, callback) {
    const { passes = 0, pending = 0 } = this.stats;
    // `failures` is mocha's own count: failed tests and hooks, plus a failed global teardown
    const line = `${passes} passed, ${failures} failed${pending ? `, ${pending} pending` : ''}`;
    process.stdout.write(`\n${line}\n`);
    callback(failures);
  }
}

module.exports = SummaryReporter;
