// History readers: native JSONL (crash-safe recorder, truncated last line), Jepsen EDN in both
// layouts, the etcd jepsen.util log, format detection and invoke/completion pairing.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { porcupine } from './support/data.ts';
import { UsageError } from '../harness/errors.ts';
import { HistoryRecorder } from '../harness/history/jsonl.ts';
import { detectFormat, loadHistory, parseHistory } from '../harness/history/load.ts';
import { pairOps } from '../harness/history/pair.ts';

describe('history: native JSONL', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'fl-history-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the recorder assigns index and time and every line is on disk as soon as it is recorded', () => {
    const file = path.join(dir, 'history.jsonl');
    const rec = new HistoryRecorder(file);
    rec.record({ process: 0, type: 'invoke', f: 'write', value: 1 });
    const done = rec.record({ process: 0, type: 'ok', f: 'write', value: 1 });
    assert.equal(done.index, 1);
    assert.ok(done.time >= 0);
    const onDisk = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(onDisk.map((o) => [o.index, o.type]), [[0, 'invoke'], [1, 'ok']]);
    rec.close();
    const back = loadHistory(file);
    assert.equal(back.format, 'jsonl');
    assert.deepEqual(back.ops, rec.ops);
  });

  it('ignores a truncated last line with a warning', () => {
    const text = '{"index":0,"time":0,"process":0,"type":"invoke","f":"read","value":null}\n{"index":1,"time":1,"process":0,"ty';
    const h = parseHistory(text, 'h.jsonl');
    assert.equal(h.ops.length, 1);
    assert.match(h.warnings[0], /h\.jsonl:2: ignoring truncated/);
  });

  it('rejects a garbled line before the end, naming file and line', () => {
    const text = '{"process":0,"type":"invoke","f":"read","value":null}\n{"process":0,"type":"bogus","f":"read"}\n{"process":0,"type":"ok","f":"read","value":1}\n';
    assert.throws(() => parseHistory(text, 'h.jsonl'), (err: Error) => err instanceof UsageError && /^h\.jsonl:2: /.test(err.message));
  });
});

describe('history: Jepsen EDN', () => {
  const perLine = [
    '{:process 0, :type :invoke, :f :cas, :value [1 2], :time 1500000}',
    '{:process :nemesis, :type :info, :f :start, :value nil}',
    '{:process 0, :type :info, :f :cas, :value [1 2], :error :timed-out, :extra {:a #{1 2}}}',
    '{:process 5, :type :invoke, :f :append, :key "k", :value "x 0 y"}',
    '{:process 5, :type :ok, :f :append, :key "k", :value "x 0 y"}',
  ].join('\n');

  it('reads one op map per line: keywords, vectors, nil, strings, times in ns, nemesis ops', () => {
    const h = parseHistory(perLine, 'h.edn');
    assert.equal(h.format, 'edn');
    assert.equal(h.ops.length, 5);
    assert.deepEqual(h.ops[0], { index: 0, time: 1.5, process: 0, type: 'invoke', f: 'cas', value: [1, 2] });
    assert.equal(h.ops[1].process, 'nemesis');
    assert.equal(h.ops[1].type, 'event');
    assert.equal(h.ops[2].error, 'timed-out');
    assert.equal(h.ops[3].key, 'k');
    assert.deepEqual(h.lines, [1, 2, 3, 4, 5]);
  });

  it('reads the older layout: one vector of maps across lines, with tagged ops and comments', () => {
    const text = '; knossos history\n[{:process 0, :type :invoke, :f :write, :value 3}\n #jepsen.history.Op{:process 0, :type :ok, :f :write, :value 3, :index 7}\n {:process 1 :type :invoke :f :read :value nil}\n {:process 1 :type :ok :f :read :value 3}]\n';
    const h = parseHistory(text, 'old.edn');
    assert.equal(h.ops.length, 4);
    assert.equal(h.ops[1].index, 7);
    assert.deepEqual(h.lines, [2, 3, 4, 5]);
    assert.equal(pairOps(h.ops).length, 2);
  });

  it('keeps what it read from a truncated file and warns', () => {
    const h = parseHistory(`${perLine}\n{:process 5, :type :invoke, :f :get, :ke`, 'h.edn');
    assert.equal(h.ops.length, 5);
    assert.match(h.warnings[0], /h\.edn:6: ignoring truncated/);
    const v = parseHistory('[{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 1}\n{:process 1', 'v.edn');
    assert.equal(v.ops.length, 2);
    assert.equal(v.warnings.length, 1);
  });

  it('rejects a garbled op before the end, naming the line', () => {
    const text = perLine.replace(':type :info, :f :cas', ':type :maybe, :f :cas');
    assert.throws(() => parseHistory(text, 'h.edn'), (err: Error) => err instanceof UsageError && /^h\.edn:3: .*:type/.test(err.message));
  });
});

describe('history: etcd jepsen.util log', () => {
  const log = [
    'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
    'INFO  jepsen.util - 0\t:ok\t:read\t3',
    'INFO  jepsen.util - 3   :invoke :cas    [1 2]',
    'INFO  jepsen.util - 3   :fail   :cas    [1 2]',
    'INFO  jepsen.core - some other log line',
    'INFO  jepsen.util - :nemesis\t:info\t:start\tnil',
    'INFO  jepsen.util - 4\t:invoke\t:write\t4',
    'INFO  jepsen.util - 4\t:info\t:write\t:timed-out',
    'INFO  jepsen.util - 1  :invoke :read   nil',
    'INFO  jepsen.util - 1  :fail   :read   :timed-out',
  ].join('\n');

  it('parses every line variety of the Porcupine etcd logs and skips other log lines', () => {
    assert.equal(detectFormat(log, 'etcd.log'), 'etcd-log');
    const h = parseHistory(log, 'etcd.log');
    assert.equal(h.ops.length, 9);
    assert.deepEqual(h.ops[1], { index: 1, time: 1, process: 0, type: 'ok', f: 'read', value: 3 });
    assert.deepEqual(h.ops[2].value, [1, 2]);
    assert.equal(h.ops[4].type, 'event');
    assert.equal(h.ops[4].f, 'fault-start');
    assert.equal(h.ops[6].error, 'timed-out');
    assert.equal(h.ops[6].value, null);
    assert.deepEqual(h.lines, [1, 2, 3, 4, 6, 7, 8, 9, 10]);
    const paired = pairOps(h.ops);
    assert.deepEqual(paired.map((p) => p.type), ['ok', 'fail', 'info', 'fail']);
  });

  it('reads all shipped etcd logs', () => {
    const h = loadHistory(porcupine('etcd/etcd_002.log'));
    assert.equal(h.warnings.length, 0);
    assert.ok(pairOps(h.ops).length > 50);
  });
});

describe('history: pairing', () => {
  it('an invoke that never completes counts as info; a process may go on after an info', () => {
    const h = parseHistory([
      '{:process 0, :type :invoke, :f :write, :value 1}',
      '{:process 0, :type :info, :f :write, :value 1}',
      '{:process 0, :type :invoke, :f :write, :value 2}',
      '{:process 1, :type :invoke, :f :read, :value nil}',
    ].join('\n'), 'h.edn');
    const paired = pairOps(h.ops);
    assert.deepEqual(paired.map((p) => [p.type, p.completeIndex, p.end]), [['info', 1, Infinity], ['info', -1, Infinity], ['info', -1, Infinity]]);
  });

  it('an unmatched completion is an error naming where it is', () => {
    const h = parseHistory('{:process 0, :type :invoke, :f :read, :value nil}\n{:process 1, :type :ok, :f :read, :value 1}\n', 'h.edn');
    assert.throws(() => pairOps(h.ops, (i) => `h.edn:${h.lines[i]}`), /^UsageError: h\.edn:2: ok completion of read by process 1 has no matching invoke/);
  });

  it('rejects undetectable content and empty files', () => {
    assert.throws(() => detectFormat('hello world', 'x.txt'), /x\.txt:1: cannot tell the history format/);
    const dir = mkdtempSync(path.join(tmpdir(), 'fl-history-'));
    try {
      writeFileSync(path.join(dir, 'empty.jsonl'), '\n');
      assert.throws(() => loadHistory(path.join(dir, 'empty.jsonl')), /empty history/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
