// Child process of the memory bench: checks one history file the way `faultline check` does (checkFile,
// the function behind the CLI) under one --memory-limit, and prints one JSON line: the answer (a verdict,
// or the usage error that refused the file) and the process's peak resident set (the kernel's VmHWM).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { checkFile } from '../harness/commands/check.ts';
import { verdictWord } from '../harness/checker/describe.ts';
import { UsageError } from '../harness/errors.ts';

function peakMb(): number {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

const [file, model, limit] = process.argv.slice(2);
const t0 = performance.now();
let answer: Record<string, unknown>;
try {
  const { result, parseMs } = checkFile(file, { model, memoryLimitMb: Number(limit), timeLimitS: 300 });
  answer = { answer: verdictWord(result.valid), summary: result.summary, parseMs: Math.round(parseMs) };
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  answer = { answer: 'refused', summary: err.message };
}
process.stdout.write(`${JSON.stringify({ ...answer, ms: Math.round(performance.now() - t0), peakMb: Math.round(peakMb()) })}\n`);
