// `--shrink`: after a run found a violation, re-run the scenario with the same seed and smaller run
// shapes (fewer and shorter faults, fewer clients, a shorter time limit; see nemesis/shrink.ts) and
// keep the smallest that still shows the same checker failing. Every attempt is a real run with its
// own folder next to the original (<run>-shrink-<n>); the original result.json gains the shrunk
// schedule, the attempts and the command that replays the shrunk run, which reads its schedule from
// shrunk-schedule.json (`--schedule FILE`).
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import type { RunResult } from '../checker/result.ts';
import { shrinkRun, type RunShape, type ShrinkResult } from '../nemesis/shrink.ts';
import type { PlannedFault } from '../nemesis/types.ts';
import { loadScenario } from './registry.ts';
import { replayCommand, runScenario, type RunOptions, type RunOutcome } from './run.ts';

const plannedFault = z.object({
  kind: z.string().min(1),
  at: z.number().int().nonnegative(),
  duration: z.number().int().positive(),
  pick: z.number().min(0).lt(1),
});
const scheduleFile = z.union([z.array(plannedFault), z.object({ schedule: z.array(plannedFault) })]);

/** A schedule from a file: a JSON array of faults, or an object with a `schedule` array (result.json,
 *  shrunk-schedule.json). */
export function loadScheduleFile(file: string): PlannedFault[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--schedule ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = scheduleFile.safeParse(json);
  if (!parsed.success) throw new UsageError(`--schedule ${file}: not a fault schedule (${parsed.error.issues[0]?.path.join('.') || 'top'}: ${parsed.error.issues[0]?.message})`);
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.schedule;
}

export interface ShrinkRequest {
  /** Seconds after which no new attempt starts. */
  budgetS: number;
  maxAttempts?: number;
}

export interface ShrinkSummary {
  original: RunShape;
  shrunk: RunShape;
  stopped: ShrinkResult['stopped'];
  attempts: { change: string; failed: boolean; ms: number; dir?: string; concurrency: number; timeLimit: number; faults: number }[];
  /** Replays the shrunk run (its schedule is read from scheduleFile). */
  replay: string;
  scheduleFile: string;
}

const failingCheckers = (r: RunResult) => r.checks.filter((c) => c.valid === false).map((c) => c.checker);

/** Shrinks the failed run `failed` (started with `base`); updates its result.json (the caller
 *  regenerates the report from it). */
export async function shrinkScenario(base: RunOptions, failed: RunOutcome, req: ShrinkRequest): Promise<ShrinkSummary> {
  const log = base.log ?? (() => {});
  const r = failed.result;
  const wanted = failingCheckers(r);
  const scenario = await loadScenario(r.scenario);
  const original: RunShape = { schedule: (r.schedule as PlannedFault[] | undefined) ?? [], concurrency: base.concurrency ?? scenario.concurrency, timeLimit: base.timeLimit ?? scenario.timeLimit };
  log(`shrink: ${wanted.join(', ')} failed; shrinking ${original.schedule.length} faults, ${original.concurrency} clients, ${original.timeLimit}s (budget ${req.budgetS}s${req.maxAttempts ? `, at most ${req.maxAttempts} attempts` : ''})`);
  let n = 0;
  const dirs: string[] = [];
  const result = await shrinkRun(original, async (shape) => {
    const out = `${failed.dir}-shrink-${++n}`;
    dirs.push(out);
    const attempt = await runScenario({
      ...base, target: r.target, runtime: r.runtime as RunOptions['runtime'], seed: r.seed, nodes: r.nodes, out,
      schedule: shape.schedule, concurrency: shape.concurrency, timeLimit: shape.timeLimit,
    });
    const still = failingCheckers(attempt.result).some((c) => wanted.includes(c));
    return { failed: still, note: attempt.result.summary };
  }, { budgetMs: req.budgetS * 1000, maxAttempts: req.maxAttempts, log });

  const scheduleFile = path.join(failed.dir, 'shrunk-schedule.json');
  const shrunk = result.shrunk;
  await writeFile(scheduleFile, JSON.stringify({ scenario: r.scenario, seed: r.seed, concurrency: shrunk.concurrency, timeLimit: shrunk.timeLimit, schedule: shrunk.schedule }, null, 2) + '\n');
  const replay = `${replayCommand({ scenario: r.scenario, target: r.target, runtime: r.runtime, seed: r.seed, timeLimit: shrunk.timeLimit, nodes: r.nodes })} --concurrency ${shrunk.concurrency} --schedule ${path.relative(process.cwd(), scheduleFile) || scheduleFile}`;
  const summary: ShrinkSummary = {
    original, shrunk, stopped: result.stopped, replay, scheduleFile,
    attempts: result.attempts.map((a, i) => ({ change: a.change, failed: a.failed, ms: a.ms, dir: dirs[i], concurrency: a.shape.concurrency, timeLimit: a.shape.timeLimit, faults: a.shape.schedule.length })),
  };
  const updated = { ...r, shrunkSchedule: shrunk.schedule, shrink: summary };
  await writeFile(path.join(failed.dir, 'result.json'), JSON.stringify(updated, null, 2) + '\n');
  return summary;
}
