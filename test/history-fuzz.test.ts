// Property: bad input never passes as valid. Random cas-register histories (some whose only violation
// is their last op) are written as JSONL, EDN (per line, vector, list) or a jepsen.util log, then
// mutated — fields of the wrong type, the last line cut at every byte, lines cut in the middle,
// swapped lines, duplicated completions, garbage lines, comments and blank lines, a foreign format —
// and checked the way `faultline check` checks a file. The answer must be exit 2 with one line naming
// file:line, or the verdict the history as written has; never VALID for a history that lost its
// violating op. Most cases run in-process (checkFile, the function behind the CLI); a sample runs
// through the real CLI and must answer exactly as in-process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { checkFile } from '../harness/commands/check.ts';
import { checkLinearizability, DEFAULT_MEMORY_LIMIT_MB } from '../harness/checker/linearizability.ts';
import { UsageError } from '../harness/errors.ts';
import type { HistoryFormat } from '../harness/history/parsed.ts';
import type { Op } from '../harness/history/op.ts';

type Layout = 'jsonl' | 'edn-lines' | 'edn-vector' | 'edn-list' | 'etcd-log';
const FORMAT_OF: Record<Layout, HistoryFormat> = { jsonl: 'jsonl', 'edn-lines': 'edn', 'edn-vector': 'edn', 'edn-list': 'edn', 'etcd-log': 'etcd-log' };
const LAYOUTS = Object.keys(FORMAT_OF) as Layout[];

interface Answer { code: number; stderr: string[] }

// ---- histories -------------------------------------------------------------------------------------

/** A cas-register history from clients acting on a correct register; `corrupt` changes the value a read
 *  returned. It always ends with one sequential read, so a corrupted final read makes the last op the
 *  only violation. Info completions carry a non-ASCII error text (multi-byte cuts). */
function simulate(actions: number[], corruptFinal: boolean, corruptAny: number | null): Op[] {
  const ops: Op[] = [];
  let state: number | null = null, next = 0;
  const pending = new Map<number, { f: string; value: unknown; applied: boolean; out?: unknown }>();
  const emit = (process: number, type: Op['type'], f: string, value: unknown, error?: string) => {
    const op: Op = { index: ops.length, time: ops.length * 1.5, process, type, f, value };
    if (error) op.error = error;
    ops.push(op);
  };
  for (const a of actions) {
    const busy = [...pending.keys()];
    if ((a % 5 < 2 && pending.size < 3) || busy.length === 0) {
      const f = ['read', 'write', 'cas'][a % 3];
      const value = f === 'read' ? null : f === 'write' ? (a >> 2) % 3 : [(a >> 2) % 3, (a >> 4) % 3];
      pending.set(next, { f, value, applied: false });
      emit(next++, 'invoke', f, value);
      continue;
    }
    const p = busy[(a >> 3) % busy.length], op = pending.get(p)!;
    if (!op.applied && a % 5 < 4) {
      if (op.f === 'read') op.out = state;
      else if (op.f === 'write') state = op.value as number;
      else if (state === (op.value as number[])[0]) state = (op.value as number[])[1];
      else { pending.delete(p); emit(p, 'fail', op.f, op.value); continue; }
      op.applied = true;
      continue;
    }
    pending.delete(p);
    if (op.applied) emit(p, 'ok', op.f, op.f === 'read' ? op.out : op.value);
    else emit(p, 'info', op.f, null, 'délai dépassé');
  }
  for (const [p, op] of pending) if (op.applied && op.f !== 'read') { emit(p, 'info', op.f, null, 'délai dépassé'); pending.delete(p); }
  for (const [p, op] of pending) { pending.delete(p); emit(p, 'fail', op.f, op.value); }
  if (corruptAny !== null) {
    const reads = ops.filter((o) => o.type === 'ok' && o.f === 'read');
    if (reads.length) reads[corruptAny % reads.length].value = ((reads[corruptAny % reads.length].value as number ?? 0) + 1) % 3;
  }
  emit(next, 'invoke', 'read', null);
  emit(next, 'ok', 'read', corruptFinal ? ((state ?? 0) + 1) % 3 : state);
  return ops;
}

const verdictCode = (ops: Op[]): number => {
  const v = checkLinearizability('cas-register', ops, { minimize: false, timeLimitS: 20 }).valid;
  return v === true ? 0 : v === false ? 1 : 2;
};

// ---- writing them ----------------------------------------------------------------------------------

const edn = (v: unknown): string => (v === null ? 'nil' : Array.isArray(v) ? `[${v.map(edn).join(' ')}]` : typeof v === 'string' ? JSON.stringify(v) : String(v));

function lineOf(op: Op, layout: Layout): string {
  if (layout === 'jsonl') return JSON.stringify(op);
  if (layout === 'etcd-log') return `INFO  jepsen.util - ${op.process}\t:${op.type}\t:${op.f}\t${op.type === 'info' ? ':timed-out' : edn(op.value)}`;
  const error = op.error ? `, :error ${edn(op.error)}` : '';
  return `{:index ${op.index}, :time ${Math.round(op.time * 1e6)}, :type :${op.type}, :process ${op.process}, :f :${op.f}, :value ${edn(op.value)}${error}}`;
}

/** The file's lines; op i is on line opLine[i] (1-based). */
function write(ops: Op[], layout: Layout): { lines: string[]; opLine: number[] } {
  const body = ops.map((op) => lineOf(op, layout));
  if (layout === 'edn-vector' || layout === 'edn-list') {
    const [open, close] = layout === 'edn-vector' ? ['[', ']'] : ['(', ')'];
    body[0] = `${open}${body[0]}`;
    body[body.length - 1] += close;
    return { lines: ['; a Knossos-style history', ...body], opLine: ops.map((_, i) => i + 2) };
  }
  return { lines: body, opLine: ops.map((_, i) => i + 1) };
}

// ---- mutations -------------------------------------------------------------------------------------

type Expect =
  | { kind: 'verdict'; code: number } // the verdict of the history as written
  | { kind: 'error'; line: number } // exit 2, one line naming file:line
  | { kind: 'error-from'; line: number } // exit 2, one line naming file:L with L ≥ line
  | { kind: 'cut'; line: number; full: number } // the last op is cut off: never 0, and 1 only if the history is invalid
  | { kind: 'foreign' }; // --format that does not match: exit 2, one line saying what it looks like

interface Case { text: Buffer; format?: HistoryFormat; expect: Expect; label: string }

const WRONG_TYPES: Record<'jsonl' | 'edn' | 'etcd-log', [RegExp, string][]> = {
  jsonl: [[/"time":[^,}]+/, '"time":"late"'], [/"process":\d+/, '"process":1.5'], [/"type":"\w+"/, '"type":"maybe"'], [/"f":"\w+"/, '"f":7'], [/"index":\d+/, '"index":-1'], [/,"type":"\w+"/, '']],
  edn: [[/:time \d+/, ':time "late"'], [/:process \d+/, ':process 1.5'], [/:type :\w+/, ':type :maybe'], [/:f :\w+/, ':f 7'], [/:index \d+/, ':index -1'], [/:type :\w+, /, '']],
  'etcd-log': [[/\t:\w+\t/, '\t:maybe\t'], [/- \d+/, '- 1.5'], [/- \d+\t/, '- ']],
};

const MUTATIONS = ['comments/blank lines/CRLF', 'wrong-typed field', 'last line cut at every byte', 'line cut mid-file', 'swapped lines', 'duplicated completion', 'garbage line', 'other format'];

function mutate(ops: Op[], layout: Layout, m: { kind: number; at: number; pick: number }): Case[] {
  const format = FORMAT_OF[layout];
  const { lines, opLine } = write(ops, layout);
  const text = (ls: string[], newline = true) => Buffer.from(ls.join('\n') + (newline ? '\n' : ''));
  const clean = verdictCode(ops);
  const k = m.at % ops.length;
  const line = opLine[k];
  const others: Layout[] = LAYOUTS.filter((l) => FORMAT_OF[l] !== format);
  switch (m.kind % 8) {
    case 0: { // harmless: blank lines and comments between ops, CRLF endings
      const noisy = lines.flatMap((l, i) => (i % 3 === m.pick % 3 ? [l, format === 'jsonl' ? '' : format === 'edn' ? ' ; a comment' : 'INFO  jepsen.core - other log noise'] : [l]));
      const crlf = m.pick % 2 === 0;
      return [{ text: Buffer.from(noisy.join(crlf ? '\r\n' : '\n') + '\n'), expect: { kind: 'verdict', code: clean }, label: `noise${crlf ? ' crlf' : ''}` }];
    }
    case 1: { // a field of the wrong type (or missing) on one line
      const rules = WRONG_TYPES[format];
      const [re, to] = rules[m.pick % rules.length];
      const bad = [...lines];
      bad[line - 1] = bad[line - 1].replace(re, to);
      if (bad[line - 1] === lines[line - 1]) return [];
      // a complete line is not cut off, even as the last line and with no newline after it
      const newline = m.pick % 7 !== 0;
      return [{ text: text(bad, newline), expect: { kind: 'error', line }, label: `wrong type ${re.source} on line ${line}${newline ? '' : ', no newline at the end'}` }];
    }
    case 2: { // the last line cut at every byte
      const last = Buffer.from(lines[lines.length - 1]);
      const head = Buffer.from(lines.slice(0, -1).join('\n') + '\n');
      return Array.from({ length: last.length - 1 }, (_, b) => ({
        text: Buffer.concat([head, last.subarray(0, b + 1)]),
        expect: { kind: 'cut', line: lines.length, full: clean } as Expect,
        label: `last line cut after byte ${b + 1} of ${last.length}`,
      }));
    }
    case 3: { // a line cut mid-way with more lines after it (not for the jepsen.util log: its lines have
      // no closing delimiter, so one cut in the middle of a file can read as another valid op)
      if (k === ops.length - 1 || format === 'etcd-log') return [];
      const l = lines[line - 1];
      const cut = 1 + (m.pick % (l.length - 1));
      const bad = [...lines];
      bad[line - 1] = l.slice(0, cut);
      const expect: Expect = format === 'edn' ? { kind: 'error-from', line } : { kind: 'error', line };
      return [{ text: text(bad), expect, label: `line ${line} cut after ${cut} chars, more follow` }];
    }
    case 4: { // two adjacent op lines swapped: the history as written is checked
      if (k === ops.length - 1 || layout === 'edn-vector' || layout === 'edn-list') return [];
      const bad = [...lines];
      [bad[line - 1], bad[line]] = [bad[line], bad[line - 1]];
      const swapped = [...ops];
      [swapped[k], swapped[k + 1]] = [swapped[k + 1], swapped[k]];
      // the etcd log has no indices: the new order is the order; JSONL and EDN keep their recorded ones
      const asRead = format === 'etcd-log' ? swapped.map((o, i) => ({ ...o, index: i, time: i })) : swapped;
      let expect: Expect;
      try { expect = { kind: 'verdict', code: verdictCode(asRead) }; } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        expect = { kind: 'error-from', line };
      }
      return [{ text: text(bad), expect, label: `lines ${line} and ${line + 1} swapped` }];
    }
    case 5: { // a completion written twice
      const c = ops.findIndex((o, i) => i >= k && o.type !== 'invoke');
      if (c < 0 || c === ops.length - 1 || layout === 'edn-vector' || layout === 'edn-list') return [];
      const bad = [...lines];
      bad.splice(opLine[c], 0, lines[opLine[c] - 1]);
      return [{ text: text(bad), expect: { kind: 'error', line: opLine[c] + 1 }, label: `completion on line ${opLine[c]} duplicated` }];
    }
    case 6: { // a garbage line among the ops (an etcd log skips non-jepsen.util lines: harmless there)
      const bad = [...lines];
      bad.splice(line - 1, 0, 'oops this is not an op');
      const expect: Expect = format === 'etcd-log' ? { kind: 'verdict', code: clean } : { kind: 'error', line };
      return [{ text: text(bad), expect, label: `garbage line inserted at ${line}` }];
    }
    default: { // another format: read as what it is when detected, refused when --format says otherwise
      const other = others[m.pick % others.length];
      const body = text(write(ops, other).lines);
      const asWritten = FORMAT_OF[other] === 'etcd-log' ? verdictCode(ops.map((o, i) => ({ ...o, index: i, time: i }))) : clean;
      return [
        { text: body, expect: { kind: 'verdict', code: asWritten }, label: `written as ${other}, format detected` },
        { text: body, format, expect: { kind: 'foreign' }, label: `written as ${other}, --format ${format}` },
      ];
    }
  }
}

// ---- checking them ---------------------------------------------------------------------------------

/** What `faultline check` prints and exits with, in-process: checkFile, warnings, usage errors. */
function answerInProcess(file: string, format?: HistoryFormat): Answer {
  try {
    // the ceiling is on the whole process: a test worker that ran other files before may hold more than
    // the CLI's default by itself, so in-process the check gets the default on top of what is there
    const memoryLimitMb = Math.ceil(process.memoryUsage.rss() / 2 ** 20) + DEFAULT_MEMORY_LIMIT_MB;
    const { parsed, code } = checkFile(file, { model: 'cas-register', format, timeLimitS: 20, memoryLimitMb });
    return { code, stderr: parsed.warnings.map((w) => `faultline: warning: ${w}`) };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return { code: 2, stderr: [`faultline: ${err.message}`] };
  }
}

function answerCli(file: string, format?: HistoryFormat): Promise<Answer> {
  const args = ['--import', 'tsx', 'harness/cli.ts', 'check', '--model', 'cas-register', ...(format ? ['--format', format] : []), file];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stderr: stderr.split('\n').filter(Boolean) }); });
  });
}

function assertAnswer(c: Case, file: string, got: Answer): void {
  const why = `${c.label}: got exit ${got.code} ${JSON.stringify(got.stderr)}\n--- file ---\n${c.text.toString('utf8')}`;
  const lineOf = (s: string) => Number(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`).exec(s)?.[1]);
  const e = c.expect;
  if (e.kind === 'verdict') {
    assert.equal(got.code, e.code, why);
    return;
  }
  if (e.kind === 'cut') {
    assert.notEqual(got.code, 0, `a cut-off history must never be VALID. ${why}`);
    if (got.code === 1) assert.equal(e.full, 1, `INVALID only for an invalid history. ${why}`);
    assert.ok(got.stderr.some((s) => lineOf(s) === e.line), `the cut line is named. ${why}`);
    return;
  }
  assert.equal(got.code, 2, why);
  assert.equal(got.stderr.length, 1, `one line. ${why}`);
  if (e.kind === 'foreign') assert.match(got.stderr[0], /does not match the content, which looks like/, why);
  else if (e.kind === 'error') assert.equal(lineOf(got.stderr[0]), e.line, why);
  else assert.ok(lineOf(got.stderr[0]) >= e.line, why);
}

const history = fc.record({
  actions: fc.array(fc.nat(), { minLength: 4, maxLength: 22 }),
  corruptFinal: fc.boolean(),
  corruptAny: fc.option(fc.nat(), { nil: null, freq: 4 }),
});
const mutation = fc.record({ kind: fc.nat(), at: fc.nat(), pick: fc.nat() });
const layout = fc.constantFrom(...LAYOUTS);

describe('history fuzzer: bad input never passes as valid', function () {
  this.timeout(180_000);
  let dir: string;
  let n = 0;
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'fl-fuzz-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  /** In-process cases reuse one file; the CLI sample runs two at a time, each on its own. */
  const fileFor = (c: Case, own = false) => {
    const file = path.join(dir, own ? `h${++n}.txt` : 'h.txt');
    writeFileSync(file, c.text);
    return file;
  };

  it('in-process: exit 2 naming file:line, or the verdict the history as written has', () => {
    let cases = 0;
    const seen = new Map<string, number>();
    fc.assert(fc.property(history, layout, mutation, (h, l, m) => {
      const ops = simulate(h.actions, h.corruptFinal, h.corruptAny);
      for (const c of mutate(ops, l, m)) {
        const file = fileFor(c);
        assertAnswer(c, file, answerInProcess(file, c.format));
        cases++;
        const kind = `${MUTATIONS[m.kind % 8]}${c.format ? ' with --format' : ''}`;
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
      }
    }), { numRuns: 400 });
    console.log(`      ${cases} mutated histories checked in-process (${[...seen].map(([k, v]) => `${k}: ${v}`).join(', ')})`);
    assert.ok(cases > 2500, String(cases));
  });

  it('the violation on the last line is never lost: VALID only for the clean, linearizable history', () => {
    // the issue's case: the last op is the only violation, and its line is cut, mistyped or dropped
    let histories = 0, cases = 0;
    fc.assert(fc.property(fc.array(fc.nat(), { minLength: 4, maxLength: 16 }), layout, (actions, l) => {
      const ops = simulate(actions, true, null);
      // only the last op breaks it (an info write can explain a changed final read: not those)
      if (verdictCode(ops.slice(0, -1)) !== 0 || verdictCode(ops) !== 1) return;
      histories++;
      const mutations = [...[0, 1, 2, 3, 4, 5, 7, 14].map((pick) => ({ kind: 1, at: ops.length - 1, pick })), { kind: 2, at: 0, pick: 0 }];
      for (const m of mutations) {
        for (const c of mutate(ops, l, m)) {
          const file = fileFor(c);
          assert.notEqual(answerInProcess(file, c.format).code, 0, `${c.label} in ${l} answered VALID`);
          cases++;
        }
      }
    }), { numRuns: 50 });
    console.log(`      ${cases} mutations of ${histories} histories whose last op is the only violation`);
    assert.ok(histories > 15, `histories whose last op is the only violation: ${histories}`);
  });

  it('through the real CLI, a sample answers exactly as in-process @integration', async () => {
    const sample = fc.sample(fc.tuple(history, layout, fc.record({ kind: fc.constantFrom(1, 2, 3, 5, 7), at: fc.nat(), pick: fc.nat() })), { numRuns: 40, seed: 13 })
      .flatMap(([h, l, m]) => mutate(simulate(h.actions, h.corruptFinal, h.corruptAny), l, m).slice(-1));
    const kinds = new Map<string, Case>();
    for (const c of sample) kinds.set(`${c.expect.kind}`, kinds.get(c.expect.kind) ?? c);
    const chosen = [...kinds.values()].slice(0, 6);
    assert.ok(chosen.length >= 4, `kinds sampled: ${[...kinds.keys()].join(', ')}`);
    for (let i = 0; i < chosen.length; i += 2) {
      await Promise.all(chosen.slice(i, i + 2).map(async (c) => {
        const file = fileFor(c, true);
        const cli = await answerCli(file, c.format);
        assert.deepEqual(cli, answerInProcess(file, c.format), c.label);
        assertAnswer(c, file, cli);
      }));
    }
  });
});
