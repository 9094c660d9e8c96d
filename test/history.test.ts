// History readers: native JSONL (crash-safe recorder, cut-off last line), Jepsen/Knossos EDN in every
// layout they write, the etcd jepsen.util log, format detection, the one rule for bad lines, reading in
// chunks, and invoke/completion pairing.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { porcupine } from './support/data.ts';
import { UsageError } from '../harness/errors.ts';
import { HistoryRecorder } from '../harness/history/jsonl.ts';
import { detectFormat, loadHistory, parseHistory } from '../harness/history/load.ts';
import { pairOps } from '../harness/history/pair.ts';
import { isJsonPrefix } from '../harness/history/json-prefix.ts';
import fc from 'fast-check';

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

  it('skips a last line cut off mid-way (no newline, incomplete JSON) with a warning, and remembers it', () => {
    const text = '{"index":0,"time":0,"process":0,"type":"invoke","f":"read","value":null}\n{"index":1,"time":1,"process":0,"ty';
    const h = parseHistory(text, 'h.jsonl');
    assert.equal(h.ops.length, 1);
    assert.equal(h.cutOff, 2);
    assert.match(h.warnings[0], /^h\.jsonl:2: ignoring the last op, cut off mid-way/);
  });

  it('rejects a complete last line that is not a valid op, instead of dropping it as if it were cut off', () => {
    const ok = '{"process":0,"type":"invoke","f":"read","value":null}\n';
    const bad = (last: string) => () => parseHistory(`${ok}${last}`, 'h.jsonl');
    assert.throws(bad('{"process":0,"type":"ok","f":"read","value":2,"time":"late"}\n'), /^UsageError: h\.jsonl:2: not a history op: time must be a number, got "late"$/);
    assert.throws(bad('{"process":0,"type":"ok","f":"read","value":2,"time":"late"}'), /h\.jsonl:2: .*time must be a number/, 'no newline, but complete JSON: not cut off');
    assert.throws(bad('{"process":0,"type":"ok","f":"read","value":2}}'), /h\.jsonl:2: not a history op: not JSON/, 'garbled, not cut off');
    assert.throws(bad('{"process":0,"type":"ok","value":2}\n'), /h\.jsonl:2: not a history op: f is missing$/);
    assert.throws(bad('[1,2]\n'), /h\.jsonl:2: not a history op: expected a JSON object, got an array/);
  });

  it('rejects a line cut off mid-way when more lines follow it', () => {
    const text = '{"process":0,"type":"invoke","f":"read","value":null}\n{"process":0,"type":"ok","f":\n{"process":1,"type":"invoke","f":"read","value":null}\n';
    assert.throws(() => parseHistory(text, 'h.jsonl'), /h\.jsonl:2: not a history op: the line is cut off mid-way/);
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

  it('keeps what it read from a file cut off mid-op and warns', () => {
    const h = parseHistory(`${perLine}\n{:process 5, :type :invoke, :f :get, :ke`, 'h.edn');
    assert.equal(h.ops.length, 5);
    assert.equal(h.cutOff, 6);
    assert.match(h.warnings[0], /h\.edn:6: ignoring the last op, cut off mid-way/);
    const v = parseHistory('[{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 1}\n{:process 1', 'v.edn');
    assert.equal(v.ops.length, 2);
    assert.equal(v.warnings.length, 1);
    assert.equal(v.cutOff, 3);
  });

  it('an op that does not end before the end of the file is cut off only when it starts on the last line', () => {
    // a stray quote on line 2 swallows the rest of the file: an error there, not "the last op was cut off"
    const stray = '{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value "1}\n{:process 1, :type :invoke, :f :read, :value nil}';
    assert.throws(() => parseHistory(stray, 'h.edn'), /^UsageError: h\.edn:2: the op starting here does not end before the end of the file \(unterminated string\)/);
    const unclosed = parseHistory('[{:process 0, :type :invoke, :f :read, :value nil}\n {:process 0, :type :ok, :f :read, :value 1}\n', 'u.edn');
    assert.equal(unclosed.ops.length, 2);
    assert.match(unclosed.warnings[0], /the history vector opened on line 1 is not closed/);
    assert.ok(unclosed.cutOff !== undefined, 'a history vector that never closes is a file cut short');
  });

  it('reads everything Jepsen and Knossos write: lists, comments between ops, discards, tags, namespaces, escapes, ratios, sets', () => {
    const text = [
      '; a Knossos-style history as a list, with comments between ops',
      '(#jepsen.history.Op{:index 0, :time 1000, :type :invoke, :process 0, :f :write, :value 1}',
      ' ; process 0 writes 1',
      ' #_{:index 99, :type :invoke, :process 7, :f :write, :value 9}',
      ' #jepsen.history.Op{:index 1, :time 2000, :type :ok, :process 0, :f :write, :value 1,',
      '                    :meta {:tags #{:a :b}, :ratio 1/2, :ch \\space, :inf ##Inf, :at #inst "2024-01-02T03:04:05.000-00:00", :big 123456789012345678901N, :dec 1.5M}}',
      ' {:index 2, :time 3000, :type :invoke, :process :nemesis, :f :start, :value [:isolated {"n1" #{"n2" "n3"}}]}',
      ' {:type :invoke, :process 1, :f :read, :value nil, :meta #:jepsen.op{:a 1, :b/c 2}} ; a namespaced map',
      ' {:type :fail, :process 1, :f :read, :value nil, :error [:duplicate-key "etcdserver: \\"dup\\" key\\n"], :extra/note clojure.core/str}',
      ')',
    ].join('\n');
    const h = parseHistory(text, 'k.edn');
    assert.equal(h.format, 'edn');
    assert.deepEqual(h.ops.map((o) => [o.index, o.type, o.process, o.f]), [[0, 'invoke', 0, 'write'], [1, 'ok', 0, 'write'], [2, 'event', 'nemesis', 'start'], [3, 'invoke', 1, 'read'], [4, 'fail', 1, 'read']]);
    assert.deepEqual(h.lines, [2, 5, 7, 8, 9]);
    assert.equal(h.ops[0].time, 0.001);
    assert.deepEqual(h.ops[2].value, ['isolated', { n1: ['n2', 'n3'] }]);
    assert.equal(h.ops[4].error, JSON.stringify(['duplicate-key', 'etcdserver: "dup" key\n']));
    assert.deepEqual(pairOps(h.ops).map((p) => p.type), ['ok', 'fail']);
  });

  it('reads Knossos [process type f value] tuples, one per line or in a vector', () => {
    const lines = '[0 :invoke :write 1]\n[0 :ok :write 1]\n[1 :invoke :read nil]\n[1 :ok :read 1]\n';
    for (const text of [lines, `[${lines}]`]) {
      const h = parseHistory(text, 't.edn');
      assert.deepEqual(h.ops.map((o) => [o.process, o.type, o.f, o.value]), [[0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]]);
    }
  });

  it('rejects op fields of the wrong type, naming the line', () => {
    const op = (fields: string) => parseHistory(`{:process 0, :type :invoke, :f :read, :value nil}\n{${fields}}\n{:process 9, :type :invoke, :f :read, :value nil}\n`, 'w.edn');
    assert.throws(() => op(':process 0, :type :ok, :f :read, :value 1, :time "soon"'), /w\.edn:2: not a Jepsen op: :time must be a number/);
    assert.throws(() => op(':process 0, :type :ok, :f 7, :value 1'), /w\.edn:2: not a Jepsen op: :f must be a keyword, got 7/);
    assert.throws(() => op(':process 1.5, :type :ok, :f :read, :value 1'), /w\.edn:2: .*:process must be an integer or a keyword/);
    assert.throws(() => op(':process 0, :type :ok, :f :read, :value 1, :index -1'), /w\.edn:2: .*:index must be a non-negative integer/);
    assert.throws(() => op(':process 0, :type :ok, :f :read :value'), /w\.edn:2: not EDN: map with an odd number of forms/);
    assert.throws(() => parseHistory('{:process 0, :type :invoke, :f :read}\n{:process 0 :type :ok :f :read} extra\n', 'x.edn'), /x\.edn:2: not a Jepsen op: expected an op map/);
    assert.throws(() => parseHistory('[{:process 0, :type :invoke, :f :read}]\n{:process 0, :type :ok, :f :read}\n', 'y.edn'), /y\.edn:2: text after the history collection that ended on line 1/);
  });

  it('reads a file in chunks exactly as in one piece, whatever the chunk boundaries', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fl-history-'));
    try {
      const ops = Array.from({ length: 30_000 }, (_, i) => `{:process ${i % 7}, :type ${i % 2 ? ':ok' : ':invoke'}, :f :write, :value "v${i} é ✓ \\"q\\"", :time ${i * 1000}}`);
      const text = `; big\n[${ops.join('\n ; between\n ')}]\n`;
      const file = path.join(dir, 'big.edn');
      writeFileSync(file, text);
      const streamed = loadHistory(file);
      const whole = parseHistory(text, file);
      assert.equal(streamed.ops.length, 30_000);
      assert.deepEqual(streamed.ops, whole.ops);
      assert.deepEqual(streamed.lines, whole.lines);
      assert.equal(streamed.lines[29_999], 2 + 2 * 29_999);
    } finally { rmSync(dir, { recursive: true, force: true }); }
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
    const h = parseHistory(`${log}\n`, 'etcd.log');
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

  it('takes a last line with no newline after it as cut off: its value may have lost digits', () => {
    const h = parseHistory(`${log}\nINFO  jepsen.util - 1\t:ok\t:read\t1`, 'etcd.log');
    assert.equal(h.ops.length, 9);
    assert.equal(h.cutOff, 11);
    assert.throws(() => parseHistory(`${log}\nINFO  jepsen.util - 1\t:bogus\t:read\t1\n`, 'etcd.log'), /etcd\.log:11: not a jepsen\.util op line: unknown type :bogus/);
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

});

describe('history: telling a cut-off line from a garbled one', () => {
  it('every proper prefix of a JSON value is a prefix; the value itself and text with a wrong character are not', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.nat(), (value, at) => {
      const text = JSON.stringify(value);
      const cut = text.slice(0, 1 + (at % text.length));
      if (cut.length < text.length) assert.ok(isJsonPrefix(cut) || isCompleteNumberPrefix(cut), `${cut} (of ${text})`);
      assert.equal(isJsonPrefix(text), false, text);
    }), { numRuns: 2000 });
    for (const bad of ['{"a":1}}', '{"a" 1', '{"a":tru e', '{"a":[1,}', '{"a":"x\\q"', '{a:1', '{"a":1,,', '{"a":-}']) assert.equal(isJsonPrefix(bad), false, bad);
  });
});

/** A top-level number cut short is itself a complete number ("12" of "123"): valid JSON, not a prefix. */
function isCompleteNumberPrefix(text: string): boolean {
  return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text);
}

describe('history: what the content looks like', () => {
  it('rejects undetectable content, empty files and files with no ops', () => {
    assert.throws(() => detectFormat('hello world', 'x.txt'), /x\.txt:1: cannot tell the history format/);
    assert.throws(() => parseHistory('[{"process":0,"type":"invoke","f":"read"}]', 'a.json'), /a\.json:1: cannot tell the history format: the content looks like a JSON array/);
    const dir = mkdtempSync(path.join(tmpdir(), 'fl-history-'));
    try {
      writeFileSync(path.join(dir, 'empty.jsonl'), '\n');
      assert.throws(() => loadHistory(path.join(dir, 'empty.jsonl')), /empty history/);
      assert.throws(() => loadHistory(path.join(dir, 'empty.jsonl'), 'jsonl'), /empty history/);
      assert.throws(() => loadHistory(dir), /is a directory/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
    assert.throws(() => parseHistory('; only a comment\n[]\n', 'e.edn'), /e\.edn: no operations in the history/);
    assert.throws(() => parseHistory('INFO  jepsen.core - starting\n', 'l.log', 'etcd-log'), /l\.log: no operations in the history/);
  });

  it('a given format that does not match the content is an error that says what the content looks like', () => {
    const jsonl = '{"process":0,"type":"invoke","f":"read","value":null}\n';
    assert.throws(() => parseHistory(jsonl, 'h.jsonl', 'etcd-log'), /^UsageError: h\.jsonl: --format etcd-log does not match the content, which looks like native JSONL .*; pass --format jsonl or leave --format out$/);
    assert.throws(() => parseHistory('{:process 0, :type :invoke, :f :read}\n', 'h.edn', 'jsonl'), /--format jsonl does not match the content, which looks like Jepsen\/Knossos EDN/);
    assert.throws(() => parseHistory('INFO  jepsen.util - 0\t:invoke\t:read\tnil\n', 'h.log', 'edn'), /--format edn does not match the content, which looks like a Jepsen jepsen\.util log/);
    assert.equal(parseHistory(jsonl, 'h.jsonl', 'jsonl').ops.length, 1);
  });
});
