// campaign.html: one page per `faultline campaign`, in its folder next to campaign.json — the outcome
// and its reason first, then the scenario × target table, the must-fail catch rates, the violations
// grouped by checker and kind with their replay commands, and every run with a link to its report.
// Drawn by assets/campaign.js from campaign.json's data alone; linked from the store index.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Campaign } from '../harness/campaign/types.ts';
import { renderPage } from './page.ts';

export function renderCampaign(c: Campaign): string {
  const title = `faultline campaign — ${c.runs.length} runs, ${c.startedAt.slice(0, 16).replace('T', ' ')}`;
  return renderPage({ title, app: 'campaign', data: { campaign: c, generatedAt: new Date().toISOString() }, charts: false });
}

/** Writes <campaignDir>/campaign.html; returns its path. */
export async function writeCampaignPage(campaignDir: string, c: Campaign): Promise<string> {
  const file = path.join(campaignDir, 'campaign.html');
  await writeFile(file, renderCampaign(c));
  return file;
}

export interface IndexedCampaign {
  /** campaign.html relative to the store. */
  page: string;
  startedAt: string;
  runs: number;
  scenarios: number;
  exitCode: number | null;
  reason: string;
}

async function readCampaign(file: string): Promise<Campaign | null> {
  try {
    const c = JSON.parse(await readFile(file, 'utf8')) as Campaign;
    return c && Array.isArray(c.runs) ? c : null;
  } catch {
    return null; // missing, or being written right now
  }
}

/** The campaigns a store holds: store/campaigns/<name>/campaign.json, and the store itself when it
 *  is a campaign folder (a campaign written with --out). Newest first. */
export async function listCampaigns(storeDir: string, subdirs: (dir: string) => Promise<string[]>): Promise<IndexedCampaign[]> {
  const places = ['', ...(await subdirs(path.join(storeDir, 'campaigns'))).map((d) => `campaigns/${d}/`)];
  const out: IndexedCampaign[] = [];
  for (const prefix of places) {
    const c = await readCampaign(path.join(storeDir, prefix, 'campaign.json'));
    if (!c) continue;
    out.push({
      page: `${prefix}campaign.html`, startedAt: String(c.startedAt), runs: c.runs.length,
      scenarios: new Set(c.runs.map((r) => r.scenario)).size, exitCode: c.status?.exitCode ?? null, reason: c.status?.reason ?? 'still running',
    });
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
