// `faultline check`: checks a history file from any supported tool for linearizability against a
// model, within a time and memory budget. Exit 0 linearizable, 1 not, 2 unknown or bad input.
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../errors.ts';
import { FORMATS, formatByName, loadHistory } from '../history/load.ts';
import type { HistoryFormat } from '../history/load.ts';
import type { Op } from '../history/op.ts';
import type { CheckResult } from '../checker/result.ts';
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
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number`);
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
    .option('--memory-limit <mb>', 'give up with "unknown" before using this much memory', positive('--memory-limit'), DEFAULT_MEMORY_LIMIT_MB)
    .option('--report <out.html>', 'also write a self-contained HTML report')
    .action(async (file: string, flags: CheckFlags) => {
      process.exitCode = await runCheck(file, flags);
    });
}

async function runCheck(file: string, flags: CheckFlags): Promise<number> {
  const model = modelByName(flags.model);
  const format: HistoryFormat | undefined = flags.format ? formatByName(flags.format) : undefined;
  const parseStart = performance.now();
  const parsed = loadHistory(file, format);
  const parseMs = performance.now() - parseStart;
  for (const warning of parsed.warnings) process.stderr.write(`faultline: warning: ${warning}\n`);
  const result = checkLinearizability(model, parsed.ops, {
    timeLimitS: flags.timeLimit,
    memoryLimitMb: flags.memoryLimit,
    locate: (position) => `${file}:${parsed.lines[position] ?? '?'}`,
  });
  if (flags.report) await writeReport(flags.report, file, model.name, result, parsed.ops);
  const body = jsonBody(result, file, parsed.format, parseMs);
  if (flags.json) console.log(JSON.stringify(body));
  else printHuman(result, file, body);
  return result.valid === true ? 0 : result.valid === false ? 1 : 2;
}

function jsonBody(result: LinearizabilityResult, file: string, format: HistoryFormat, parseMs: number): Record<string, unknown> {
  const { details } = result;
  return {
    result: verdictWord(result.valid),
    model: details.model,
    file,
    format,
    ops: details.ops,
    parseMs: Math.round(parseMs * 10) / 10,
    elapsedMs: details.elapsedMs,
    peakRssMb: peakRssMb(),
    summary: result.summary,
    ...(details.partitions ? { partitions: details.partitions } : {}),
    ...(details.budget ? { budget: details.budget } : {}),
    ...(details.search ? { search: details.search } : {}),
    ...(details.counterexample ? { counterexample: details.counterexample } : {}),
  };
}

function printHuman(result: LinearizabilityResult, file: string, body: Record<string, unknown>): void {
  console.log(`${verdictWord(result.valid).toUpperCase()}  ${file}  (${body.ops} ops, model ${body.model}, checked in ${body.elapsedMs} ms, peak ${body.peakRssMb} MB)`);
  console.log(result.summary);
  if (result.details.counterexample) console.log(`\n${renderCounterexample(result.details.counterexample)}`);
}

/** The HTML report is built in reports/report.ts by the reports work; load it only when asked for. */
async function writeReport(outPath: string, file: string, model: string, result: LinearizabilityResult, history: Op[]): Promise<void> {
  const path = new URL('../../reports/report.ts', import.meta.url);
  if (!existsSync(path)) throw new UsageError('--report: HTML reports are not available in this build (reports/report.ts is missing)');
  const mod = (await import(path.href)) as { writeCheckReport?: (args: { file: string; model: string; history: Op[]; result: CheckResult; outPath: string }) => unknown };
  if (typeof mod.writeCheckReport !== 'function') throw new UsageError('--report: reports/report.ts does not export writeCheckReport yet');
  await mod.writeCheckReport({ file, model, history, result, outPath });
}
