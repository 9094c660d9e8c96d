// What a netns run left on the machine, as readable lines: namespaces, root-namespace links, root
// iptables rules with its comment, its temp folder, its ledger and subnet lock, and listed processes
// still alive. Tests assert this is empty after a run (or after `faultline clean`); without a run id
// it reports every fl- namespace/link/rule, for an "after the whole suite" check.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand, sameProcess } from '../process.ts';
import { listLinks, listNamespaces } from './ip.ts';
import { ledgerDir, type LedgerProcess } from '../ledger.ts';

export async function leftoversOf(runId?: string, processes: readonly LedgerProcess[] = []): Promise<string[]> {
  const prefix = runId ? `fl-${runId}` : 'fl-';
  const found: string[] = [];
  for (const ns of await listNamespaces()) if (ns.startsWith(runId ? `${prefix}-` : prefix)) found.push(`namespace ${ns}`);
  for (const link of await listLinks()) if (link.startsWith(runId ? `${prefix}-` : prefix)) found.push(`link ${link}`);
  const rules = await runCommand('iptables-save', [], { timeoutMs: 10_000 });
  for (const line of rules.stdout.split('\n')) if (line.startsWith('-A') && line.includes(`--comment ${prefix}`)) found.push(`iptables rule ${line}`);
  for (const p of processes) if (sameProcess(p.pid, p.start)) found.push(`process ${p.pid} (${p.name})`);
  if (runId) {
    for (const file of [`/tmp/fl-${runId}`, path.join(ledgerDir(), `${runId}.json`)]) if (existsSync(file)) found.push(`file ${file}`);
    for (const name of readdirSync(ledgerDir())) {
      if (!name.startsWith('subnet-')) continue;
      let owner = '';
      try {
        owner = readFileSync(path.join(ledgerDir(), name), 'utf8').split(' ')[0];
      } catch {
        // released by its run meanwhile
      }
      if (owner === runId) found.push(`subnet lock ${name}`);
    }
  }
  return found;
}
