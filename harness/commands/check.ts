// `faultline check`: checks a history file from any supported tool for linearizability against a
// model, within a time and memory budget. Exit 0 linearizable, 1 not, 2 unknown or bad input.
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../errors.ts';
import { FORMATS, formatByName, loadHistory } from '../history/load.ts';
import type { HistoryFormat, ParsedHistory } from '../history/load.ts';
import { isClientOp } from '../history/op.ts';
import { MemoryCeiling } from '../memory.ts';
import { DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIME_LIMIT_S, checkLinearizability, peakRssMb } from '../checker/linearizability.ts';
import type { LinearizabilityResult } from '../checker/linearizability.ts';
import { MODELS, modelByName } from '../checker/models/registry.ts';
import { renderCounterexample, verdictWord } from '../checker/describe.ts';

interface CheckFlags {
  model: string;
  format?: string;
  json?: boolean;
  timeLimit: number;
  memoryLimit: number;
  report?: string;
}

const positive = (what: string) => (text: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${what} must be a positive number, got '${text}'`);
  return n;
};

export function register(program: Command): void {
  program
    .command('check')
    .description('check a history file (native JSONL, Jepsen EDN or etcd jepsen.util log) for linearizability')
    .argument('<file>', 'history file')
    .addOption(new Option('--model <model>', 'model the history is checked against').choices(Object.keys(MODELS)).makeOptionMandatory())
    .addOption(new Option('--format <format>', `history format (detected from content when omitted): ${FORMATS.join(', ')}`))
    .option('--json', 'print one JSON object instead of the human summary')
    .option('--time-limit <seconds>', 'give up with "unknown" after this long', positive('--time-limit'), DEFAULT_TIME_LIMIT_S)
    .option('--memory-limit <mb>', 'ceiling on the whole process (reading included): a history that cannot fit is refused, a search that runs out says "unknown"', positive('--memory-limit'), DEFAULT_MEMORY_LIMIT_MB)
    .option('--report <out.html>', 'also write a self-contained HTML report')
    .action(async (file: string, flags: CheckFlags) => {
      process.exitCode = await runCheck(file, flags);
    });
}

export interface CheckFileOptions {
  model: string;
  format?: HistoryFormat;
  timeLimitS?: number;
  memoryLimitMb?: number;
}

export interface CheckFileOutcome {
  parsed: ParsedHistory;
  result: LinearizabilityResult;
  parseMs: number;
  /** The exit code the answer maps to: 0 linearizable, 1 not, 2 unknown. */
  code: 0 | 1 | 2;
}

/** Reads and checks one history file under one process-wide memory ceiling. Bad input (a line that is
 *  not an op, a format that does not match, no client operations, a history that does not fit) throws
 *  a UsageError naming the file and line; the caller prints it as one line and exits 2. */
export function checkFile(file: string, opts: CheckFileOptions): CheckFileOutcome {
  const model = modelByName(opts.model);
  const memory = new MemoryCeiling(opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB);
  memory.assertRoomToStart();
  const parseStart = performance.now();
  const parsed = loadHistory(file, { format: opts.format, memory });
  const parseMs = performance.now() - parseStart;
  if (!parsed.ops.some(isClientOp)) throw new UsageError(`${file}: no client operations in the history (${parsed.ops.length} nemesis or session events only)`);
  const checked = checkLinearizability(model, parsed.ops, {
    timeLimitS: opts.timeLimitS,
    memoryLimitMb: memory.limitMb,
    memory,
    locate: (position) => `${file}:${parsed.lines[position] ?? '?'}`,
  });
  const result = parsed.cutOff !== undefined && checked.valid === true ? cutOffUnknown(checked, file, parsed.cutOff) : checked;
  return { parsed, result, parseMs, code: result.valid === true ? 0 : result.valid === false ? 1 : 2 };
}

/** A history whose last op was cut off is linearizable only as far as it goes: the lost line may have
 *  been the completion that no order explains, so "valid" cannot be claimed for the file. */
function cutOffUnknown(result: LinearizabilityResult, file: string, line: number): LinearizabilityResult {
  const summary = `unknown: the operations before ${file}:${line} are linearizable, but the op on that line was cut off mid-way and may be the one that breaks it`;
  return { ...result, valid: 'unknown', summary, details: { ...result.details, cutOff: { line } } };
}

async function runCheck(file: string, flags: CheckFlags): Promise<number> {
  const format: HistoryFormat | undefined = flags.format ? formatByName(flags.format) : undefined;
  const { parsed, result, parseMs, code } = checkFile(file, { model: flags.model, format, timeLimitS: flags.timeLimit, memoryLimitMb: flags.memoryLimit });
  for (const warning of parsed.warnings) process.stderr.write(`faultline: warning: ${warning}\n`);
  if (flags.report) {
    // loaded only when asked for: the report's modules (and node:crypto) are most of a plain check's start
    const { writeCheckReport } = await import('../../reports/report.ts');
    await writeCheckReport({ file, model: result.details.model, history: parsed.ops, result, outPath: flags.report });
  }
  const body = jsonBody(result, file, parsed.format, parseMs);
  if (flags.json) console.log(JSON.stringify(body));
  else printHuman(result, file, body);
  return code;
}

function jsonBody(result: LinearizabilityResult, file: string, format: HistoryFormat, parseMs: number): Record<string, unknown> {
  const { details } = result;
  return {
    result: verdictWord(result.valid),
    model: details.model,
    file,
    format,
    ops: details.ops,
    method: details.method,
    parseMs: Math.round(parseMs * 10) / 10,
    elapsedMs: details.elapsedMs,
    ...(details.counterexampleMs !== undefined ? { counterexampleMs: details.counterexampleMs } : {}),
    peakRssMb: peakRssMb(),
    summary: result.summary,
    ...(details.partitions ? { partitions: details.partitions } : {}),
    ...(details.budget ? { budget: details.budget } : {}),
    ...(details.search ? { search: details.search } : {}),
    ...(details.counterexample ? { counterexample: details.counterexample } : {}),
    ...(details.cutOff ? { cutOff: details.cutOff } : {}),
  };
}

function printHuman(result: LinearizabilityResult, file: string, body: Record<string, unknown>): void {
  const cx = body.counterexampleMs !== undefined ? `, counterexample in ${body.counterexampleMs} ms` : '';
  console.log(`${verdictWord(result.valid).toUpperCase()}  ${file}  (${body.ops} ops, model ${body.model}, decided by ${body.method} in ${body.elapsedMs} ms${cx}, peak ${body.peakRssMb} MB)`);
  console.log(result.summary);
  if (result.details.counterexample) console.log(`\n${renderCounterexample(result.details.counterexample)}`);
}
