// From the runs of a campaign to what a person (and CI) wants to know: per scenario × target how many
// runs held, failed or gave no answer, on which seeds, how fast and how quickly it failed over; per
// must-fail combination how often the bug was caught; which runs hit only known upstream bugs of the
// system under test (counted apart: not a pass, not a new failure); the violations grouped by checker
// and kind across seeds; and one exit code with the reason for it. Pure: runs in, summary out.
import type { CampaignRun, CampaignStatus, ComboRow, ViolationGroup } from './types.ts';

export function median(values: number[]): number | null {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

const comboKey = (r: { scenario: string; target: string }) => `${r.scenario}\u0000${r.target}`;

function comboRow(runs: CampaignRun[]): ComboRow {
  const { scenario, target, expect } = runs[0];
  const finished = runs.filter((r) => r.verdict);
  const count = (v: string) => finished.filter((r) => r.verdict === v).length;
  const figureNames = [...new Set(finished.flatMap((r) => Object.keys(r.figures ?? {})))].sort();
  const figures: Record<string, number> = {};
  for (const f of figureNames) {
    const m = median(finished.map((r) => r.figures?.[f]).filter((v): v is number => typeof v === 'number'));
    if (m !== null) figures[f] = m;
  }
  const row: ComboRow = {
    scenario, target, expect, runs: runs.length,
    valid: count('valid'), invalid: count('invalid'), unknown: count('unknown'), errors: count('error'),
    notRun: runs.length - finished.length,
    failures: finished.filter((r) => r.outcome === 'fail' || r.outcome === 'error').map((r) => ({ seed: r.seed, verdict: r.verdict! })),
    medianOpsPerSec: median(finished.map((r) => r.opsPerSec).filter((v): v is number => typeof v === 'number')),
    figures,
  };
  if (expect !== 'valid') {
    const answered = finished.filter((r) => r.verdict === 'valid' || r.verdict === 'invalid');
    row.caught = { caught: row.invalid, of: answered.length, missedSeeds: answered.filter((r) => r.verdict === 'valid').map((r) => r.seed) };
  }
  const known = finished.filter((r) => r.outcome === 'known');
  if (known.length) row.known = { seeds: known.map((r) => r.seed), issues: [...new Set(known.flatMap((r) => (r.knownIssues ?? []).map((k) => k.id)))] };
  return row;
}

/** One row per scenario × target, in plan order. */
export function summarize(runs: CampaignRun[]): ComboRow[] {
  const byCombo = new Map<string, CampaignRun[]>();
  for (const r of runs) byCombo.set(comboKey(r), [...(byCombo.get(comboKey(r)) ?? []), r]);
  return [...byCombo.values()].map(comboRow);
}

/** Violations grouped by scenario, target, checker, kind and the known issue they match (if any); new
 *  ones first, then known upstream issues, then those of must-fail runs; most seeds first. */
export function groupViolations(runs: CampaignRun[]): ViolationGroup[] {
  const groups = new Map<string, ViolationGroup & { best?: CampaignRun }>();
  for (const r of runs) {
    for (const f of r.failing ?? []) {
      const known = r.expect === 'valid' ? r.knownIssues?.find((k) => k.checker === f.checker) : undefined;
      for (const kind of f.kinds) {
        const key = `${comboKey(r)}\u0000${f.checker}\u0000${kind}\u0000${known?.id ?? ''}`;
        const g = groups.get(key) ?? {
          scenario: r.scenario, target: r.target, checker: f.checker, kind, expected: r.expect !== 'valid', seeds: [], example: f.example, replay: r.replay ?? '', shrunk: false,
          ...(known ? { knownIssue: { id: known.id, url: known.url, description: known.description } } : {}),
        };
        if (!g.seeds.includes(r.seed)) g.seeds.push(r.seed);
        if (r.shrink && !g.shrunk) Object.assign(g, { replay: r.shrink.replay, shrunk: true, example: f.example });
        groups.set(key, g);
      }
    }
  }
  const rank = (g: ViolationGroup) => (g.expected ? 2 : g.knownIssue ? 1 : 0);
  return [...groups.values()].sort((a, b) => rank(a) - rank(b) || b.seeds.length - a.seeds.length);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The campaign's exit code: 1 when a violation was found (a known upstream issue only with
 *  `strict`) or a must-fail run was not caught, else 2 when a verdict is unknown or the harness
 *  failed, else 0; 130/143 when interrupted. */
export function campaignStatus(runs: CampaignRun[], interrupted: NodeJS.Signals | null, strict = false): CampaignStatus {
  const violations = runs.filter((r) => r.expect === 'valid' && r.verdict === 'invalid' && r.outcome !== 'known').length;
  const known = runs.filter((r) => r.outcome === 'known').length;
  const issues = [...new Set(runs.filter((r) => r.outcome === 'known').flatMap((r) => (r.knownIssues ?? []).map((k) => k.id)))].join(', ');
  const missed = runs.filter((r) => r.expect === 'violation' && r.verdict === 'valid').length;
  const unknown = runs.filter((r) => r.verdict === 'unknown').length;
  const harnessErrors = runs.filter((r) => r.verdict === 'error').length;
  const notStarted = runs.filter((r) => r.state === 'not-started' || r.state === 'planned').length;
  const counts = { violations, known, missed, unknown, harnessErrors, notStarted, interrupted: interrupted !== null };
  const knownPart = known ? `${plural(known, 'run')} found only known upstream issues (${issues})${strict ? ', counted as failures (--strict)' : ''}` : '';
  const parts = [
    violations && `${plural(violations, 'ordinary run')} found a violation`,
    strict && knownPart,
    missed && `${plural(missed, 'must-fail run')} did not catch its bug`,
    unknown && `${plural(unknown, 'run')} ended unknown`,
    harnessErrors && `${plural(harnessErrors, 'run')} hit a harness error`,
    notStarted && `${plural(notStarted, 'run')} not started`,
  ].filter(Boolean).join('; ');
  if (interrupted) return { ...counts, exitCode: interrupted === 'SIGTERM' ? 143 : 130, reason: `interrupted by ${interrupted}${parts ? `: ${parts}` : ''}` };
  const done = runs.length - notStarted;
  const alsoKnown = known && !strict ? `; ${knownPart}, not counted as failures (--strict counts them)` : '';
  if (violations || missed || (strict && known)) return { ...counts, exitCode: 1, reason: parts + alsoKnown };
  if (unknown || harnessErrors) return { ...counts, exitCode: 2, reason: parts + alsoKnown };
  const all = known
    ? `${plural(done - known, 'run')} as expected (ordinary runs valid, every must-fail run caught); ${knownPart}, not counted as failures (--strict counts them)`
    : `all ${plural(done, 'run')} as expected (ordinary runs valid, every must-fail run caught)`;
  return { ...counts, exitCode: 0, reason: notStarted ? `${all}; ${plural(notStarted, 'run')} not started (budget spent)` : all };
}
