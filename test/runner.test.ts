// The suite runner itself (npm test = mocha --parallel with test/suite.mocharc.cjs): it ends with the
// one line CI reads, and a file that leaves something behind fails the run — after that file, in the
// worker that ran it, and once more in the final check after every worker has ended.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Ledger } from '../harness/runtime/ledger.ts';
import { runCommand } from '../harness/runtime/process.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const MOCHA = path.join(ROOT, 'node_modules', '.bin', 'mocha');

async function suite(files: string[]): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  const spec = files.map((f) => `test/fixtures/runner/${f}.fixture.ts`).join(',');
  const r = await runCommand(MOCHA, ['--config', 'test/suite.mocharc.cjs'], { cwd: ROOT, env: { ...process.env, FL_TEST_SPEC: spec, FL_TEST_SESSION: '', FL_TEST_TIMINGS: '', CI: '' }, timeoutMs: 90_000 });
  return { code: r.code, lines: r.stdout.trimEnd().split('\n'), stderr: r.stderr };
}

describe('the test suite runner @integration', function () {
  this.timeout(120_000);
  after(() => {
    for (const { file, data } of Ledger.list()) if (data.kind === 'runner-fixture') rmSync(file, { force: true });
  });

  it('ends with "N passed, N failed" and exit 0 when every test passed and nothing was left', async () => {
    const r = await suite(['pass']);
    assert.equal(r.lines.at(-1), '1 passed, 0 failed', r.lines.join('\n'));
    assert.equal(r.code, 0, r.stderr);
  });

  it('fails the run when a file leaves a ledger behind: after the file, and in the final check', async () => {
    const r = await suite(['pass', 'leak']);
    assert.equal(r.lines.at(-1), '2 passed, 2 failed', r.lines.join('\n'));
    assert.notEqual(r.code, 0);
    assert.match(r.lines.join('\n'), /test\/fixtures\/runner\/leak\.fixture\.ts left these behind:\s+ledger \S+ \(run e[0-9a-f]{3}, pid \d+\)/);
    assert.match(r.stderr, /global teardown failed[\s\S]*the test suite left these behind:\s+ledger \S+ \(run e[0-9a-f]{3}/);
  });
});
