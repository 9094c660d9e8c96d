// A campaign end to end: the planned runs go through the pool as `faultline scenario` children, each
// finished run is read back from its folder, and campaign.json is rewritten after every run (so a
// nightly campaign can be looked at while it runs, and an interrupted one keeps what it learned). At
// the end: the summary, the grouped violations and the exit status in campaign.json, campaign.html
// and the run index of the campaign folder (itself a store: <scenario>/<run>/), the enclosing store's
// index, and the JUnit XML when asked for.
import { mkdir, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { campaignStatus, groupViolations, summarize } from './aggregate.ts';
import { startChild } from './child.ts';
import { renderJunit } from './junit.ts';
import { readOutcome } from './outcome.ts';
import { RunPool } from './pool.ts';
import { CampaignProgress } from './progress.ts';
import type { Campaign, CampaignOptions, CampaignRun, PlannedRun } from './types.ts';

export interface CampaignRequest {
  command: string;
  options: CampaignOptions;
  plan: PlannedRun[];
  /** The campaign folder. */
  dir: string;
  /** The store whose index should link the campaign (when the folder lies in one). */
  store: string | null;
  junit?: string;
  reportBaseUrl?: string;
  tty: boolean;
  log?: (line: string) => void;
}

export interface CampaignFiles {
  json: string;
  html: string | null;
  junit: string | null;
}

/** Seconds a run may take: its workload, start-up (60 s bound), heal and checks, with room for a
 *  loaded machine; shrinking adds its budget plus one more run (an attempt started just in time). */
export function runDeadlineMs(timeLimit: number, shrinkBudgetS: number | null): number {
  const run = 3 * timeLimit + 240;
  return 1000 * (shrinkBudgetS === null ? run : 2 * run + shrinkBudgetS);
}

const shrinks = (run: PlannedRun, o: CampaignOptions) => o.shrink.enabled && (run.expect === 'valid' || o.shrink.broken);

/** `faultline scenario` arguments of one run. */
export function childArgs(run: PlannedRun, o: CampaignOptions, campaignDir: string): string[] {
  return [
    run.scenario, '--target', run.target, '--seed', String(run.seed), '--time-limit', String(run.timeLimit),
    '--out', path.join(campaignDir, run.dir),
    ...(o.runtime ? ['--runtime', o.runtime] : []),
    ...(shrinks(run, o) ? ['--shrink', '--shrink-budget', String(o.shrink.budgetS)] : []),
    ...o.passThrough,
  ];
}

/** Writes a file whole or not at all (readers never see half a campaign.json). */
async function writeAtomic(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

export class CampaignRunner {
  readonly campaign: Campaign;
  readonly pool: RunPool;
  private readonly progress: CampaignProgress;
  private readonly t0 = performance.now();
  private readonly jsonFile: string;

  constructor(private readonly req: CampaignRequest) {
    const runs: CampaignRun[] = req.plan.map((p) => ({ ...p, state: 'planned' }));
    this.campaign = { version: 1, command: req.command, startedAt: new Date().toISOString(), endedAt: null, wallMs: null, options: req.options, runs, table: [], groups: [], status: null };
    this.jsonFile = path.join(req.dir, 'campaign.json');
    const budgetMs = req.options.budgetMin === undefined ? undefined : req.options.budgetMin * 60_000;
    this.progress = new CampaignProgress({ runs, parallel: req.options.parallel, budgetMs, tty: req.tty, write: req.log });
    this.pool = new RunPool({
      parallel: req.options.parallel, budgetMs,
      start: (run) => startChild({ args: childArgs(run, req.options, req.dir), dir: path.join(req.dir, run.dir), deadlineMs: runDeadlineMs(run.timeLimit, shrinks(run, req.options) ? req.options.shrink.budgetS : null) }),
      events: {
        started: (run) => this.progress.started(run),
        finished: (run, exit) => {
          Object.assign(run, readOutcome(run, req.dir, exit));
          this.progress.finished(run);
          void this.save();
        },
      },
    });
  }

  /** Rewrites campaign.json; a failure to write is reported, never fatal to the runs. */
  private saving: Promise<void> = Promise.resolve();
  save(): Promise<void> {
    const c = this.campaign;
    const text = JSON.stringify({ ...c, table: summarize(c.runs), groups: groupViolations(c.runs) }, null, 2) + '\n';
    this.saving = this.saving.then(() => writeAtomic(this.jsonFile, text)).catch((err: unknown) => {
      this.progress.log(`campaign: could not write ${this.jsonFile}: ${err instanceof Error ? err.message : String(err)}`);
    });
    return this.saving;
  }

  interrupt(signal: NodeJS.Signals): void {
    if (this.pool.interrupted) {
      this.progress.log(`campaign: still waiting for ${this.pool.runningCount} run(s) to clean up and exit`);
      return;
    }
    this.progress.log(`campaign: ${signal}: no new runs; passing it to the ${this.pool.runningCount} running run(s), which clean up and exit`);
    this.pool.interrupt(signal);
  }

  async run(): Promise<{ campaign: Campaign; files: CampaignFiles }> {
    await mkdir(this.req.dir, { recursive: true });
    await this.save();
    try {
      await this.pool.run(this.campaign.runs);
    } finally {
      this.progress.stop();
    }
    const c = this.campaign;
    Object.assign(c, {
      endedAt: new Date().toISOString(), wallMs: Math.round(performance.now() - this.t0),
      table: summarize(c.runs), groups: groupViolations(c.runs), status: campaignStatus(c.runs, this.pool.interrupted, c.options.strict),
    });
    await this.save();
    return { campaign: c, files: await this.writePages() };
  }

  private async writePages(): Promise<CampaignFiles> {
    const log = this.req.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const files: CampaignFiles = { json: this.jsonFile, html: null, junit: null };
    if (this.req.junit) {
      await mkdir(path.dirname(path.resolve(this.req.junit)), { recursive: true });
      await writeFile(this.req.junit, renderJunit(this.campaign, { campaignDir: this.req.dir, reportBaseUrl: this.req.reportBaseUrl }));
      files.junit = this.req.junit;
    }
    try {
      const { writeCampaignPage } = await import('../../reports/campaign-page.ts');
      const { writeIndex } = await import('../../reports/index-page.ts');
      files.html = await writeCampaignPage(this.req.dir, this.campaign);
      await writeIndex(this.req.dir);
      if (this.req.store) await writeIndex(this.req.store);
    } catch (err) {
      log(`campaign: could not write the HTML pages: ${err instanceof Error ? err.message : String(err)}`);
    }
    return files;
  }
}
