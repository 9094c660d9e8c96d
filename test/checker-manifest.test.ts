// Every history with a known verdict in data/porcupine (102 etcd logs as cas-register, 6
// kv histories) gets that verdict; every violation comes with a counterexample that really is one.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadHistory } from '../harness/history/load.ts';
import { checkLinearizability } from '../harness/checker/linearizability.ts';
import { verdictWord } from '../harness/checker/describe.ts';
import { PORCUPINE } from './support/data.ts';

const DATA = PORCUPINE;

describe('checker: Porcupine test data with known verdicts', function () {
  this.timeout(300_000);
  const manifest = path.join(DATA, 'MANIFEST.tsv');
  const rows = readFileSync(manifest, 'utf8').trim().split('\n').slice(1).map((line) => line.split('\t'));

  it('the manifest lists the shipped histories (102 etcd logs, 6 kv histories), all present', () => {
    assert.equal(rows.length, 108);
    for (const [file] of rows) assert.ok(existsSync(path.join(DATA, file)), file);
  });

  for (const [file, model, , expected] of rows) {
    it(`${file} is ${expected} as ${model}`, () => {
      const history = loadHistory(path.join(DATA, file));
      const result = checkLinearizability(model, history.ops, { timeLimitS: 60 });
      assert.equal(verdictWord(result.valid), expected, result.summary);
      if (result.valid !== false) return;
      const cx = result.details.counterexample!;
      assert.ok(cx.ops.length >= 2 && cx.ops.length < history.ops.length, 'counterexample is a proper sub-history');
      const again = checkLinearizability(model, cx.ops, { minimize: false });
      assert.equal(again.valid, false, 'the counterexample on its own is not linearizable');
      assert.ok(cx.ops.some((op) => op.index === cx.failingOp));
      assert.ok(cx.candidates.length > 0);
    });
  }
});
