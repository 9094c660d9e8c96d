// `faultline check` as users and CI run it: exit codes 0/1/2, --json body, one-line errors that name
// the file and line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { porcupine } from './support/data.ts';

function faultline(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', 'harness/cli.ts', 'check', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('faultline check (CLI) @integration', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'fl-check-cli-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on a linearizable history and says so', () => {
    const r = faultline('--model', 'cas-register', 'examples/cas-register-ok.jsonl');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^LINEARIZABLE/);
  });

  it('exits 1 on a violation and prints the counterexample table', () => {
    const r = faultline('--model', 'cas-register', 'examples/cas-register-bad.jsonl');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^NOT-LINEARIZABLE/);
    assert.match(r.stdout, /Smallest failing sub-history: 4 operations/);
    assert.match(r.stdout, /read → 2 .*← no valid place/);
  });

  it('--json prints one object with the contract fields; the format is detected (etcd log)', () => {
    const r = faultline('--model', 'cas-register', '--json', porcupine('etcd/etcd_000.log'));
    assert.equal(r.code, 1, r.stderr);
    const body = JSON.parse(r.stdout);
    assert.equal(body.result, 'not-linearizable');
    assert.equal(body.model, 'cas-register');
    assert.equal(body.format, 'etcd-log');
    assert.equal(body.ops, 85);
    assert.equal(body.method, 'search', 'etcd writes repeat values: no procedure applies');
    for (const k of ['parseMs', 'elapsedMs', 'counterexampleMs', 'peakRssMb']) assert.equal(typeof body[k], 'number', k);
    assert.ok(body.counterexample.ops.length >= 2);
  });

  it('exits 2 with unknown when the time limit is too short for a hard history', () => {
    const lines: string[] = [];
    for (let p = 0; p < 40; p++) lines.push(`{:process ${p}, :type :invoke, :f :append, :key "k", :value "v${p} "}`);
    lines.push('{:process 99, :type :invoke, :f :get, :key "k", :value nil}', '{:process 99, :type :ok, :f :get, :key "k", :value "nope"}');
    const file = path.join(dir, 'hard.edn');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = faultline('--model', 'kv', '--time-limit', '1', '--json', file);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(JSON.parse(r.stdout).result, 'unknown');
  });

  it('exits 2 with one line naming file and line for malformed input, unmatched completions and unknown models', () => {
    const garbled = path.join(dir, 'garbled.jsonl');
    writeFileSync(garbled, '{"process":0,"type":"invoke","f":"read","value":null}\n{"process":0,"type":"ok","f":\n{"process":1,"type":"invoke","f":"read","value":null}\n');
    let r = faultline('--model', 'register', garbled);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /garbled\.jsonl:2: not a history op/);

    const unmatched = path.join(dir, 'unmatched.edn');
    writeFileSync(unmatched, '{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value nil}\n{:process 3, :type :ok, :f :write, :value 1}\n');
    r = faultline('--model', 'register', unmatched);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unmatched\.edn:3: ok completion of write by process 3 has no matching invoke/);

    r = faultline('--model', 'b-tree', 'examples/cas-register-ok.jsonl');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /b-tree/);

    r = faultline('--model', 'register', path.join(dir, 'missing.jsonl'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing\.jsonl: cannot read history \(ENOENT\)/);
  });
});

describe('faultline check (CLI): bad input never passes as valid @integration', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'fl-check-bad-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const oneLine = (r: { stderr: string }) => assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);

  it('a complete last line with a field of the wrong type is an error naming it, not a truncation', () => {
    const file = path.join(dir, 'last.jsonl');
    writeFileSync(file, '{"process":0,"type":"invoke","f":"write","value":1}\n{"process":0,"type":"ok","f":"write","value":1}\n{"process":1,"type":"invoke","f":"read","value":null}\n{"process":1,"type":"ok","f":"read","value":2,"time":"late"}\n');
    const r = faultline('--model', 'register', file);
    assert.equal(r.code, 2, r.stdout);
    oneLine(r);
    assert.match(r.stderr, /^faultline: .*last\.jsonl:4: not a history op: time must be a number, got "late"$/m);
  });

  it('a --format that does not match the content is an error saying what the content looks like', () => {
    const r = faultline('--model', 'cas-register', '--format', 'etcd-log', 'examples/cas-register-bad.jsonl');
    assert.equal(r.code, 2, r.stdout);
    oneLine(r);
    assert.match(r.stderr, /--format etcd-log does not match the content, which looks like native JSONL/);
  });

  it('--memory-limit holds for the whole process: a history that cannot fit is refused, one line, under the limit', () => {
    const file = path.join(dir, 'big.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) lines.push(JSON.stringify({ process: i % 50, type: i % 2 ? 'ok' : 'invoke', f: 'put', key: `k${(i >> 1) % 500}`, value: `v${i >> 1}` }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = faultline('--model', 'kv', '--memory-limit', '140', file);
    assert.equal(r.code, 2, r.stdout);
    oneLine(r);
    const m = /the history does not fit in --memory-limit 140 MB: reading .*big\.jsonl stopped after [\d.]+ of \d+ MB; the process holds (\d+) MB/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.ok(Number(m[1]) <= 140, r.stderr);
  });

  it('usage mistakes are one line too', () => {
    const r = faultline('examples/cas-register-ok.jsonl');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "faultline: required option '--model <model>' not specified (faultline --help for usage)\n");
  });
});
