// `faultline report DIR` regenerates a stored run's report.html (and the store index when DIR sits in a
// store); `faultline report --index [STORE]` regenerates store/index.html alone.
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import { storeAbove } from '../scenario/store.ts';
import { writeRunReport } from '../../reports/report.ts';
import { writeIndex } from '../../reports/index-page.ts';

/** The store a run folder belongs to (store/<scenario>/<run>/ → store/), or null: the same rule a run
 *  uses, so regenerating a report never writes an index where the run itself would not. */
export async function storeOf(runDir: string): Promise<string | null> {
  const store = storeAbove(runDir);
  return store && (await stat(store).then((s) => s.isDirectory(), () => false)) ? store : null;
}

/** After a run (scenario, shrink, compare): its report.html and, when the run lies in a store, that
 *  store's index. A report that cannot be drawn is said on `log` and changes neither the run's verdict
 *  nor its exit code. */
export async function writeRunReports(runDir: string, log: (line: string) => void, store: string | null): Promise<void> {
  try {
    await writeRunReport(runDir);
    if (store) await writeIndex(store);
  } catch (err) {
    log(`faultline: could not write the HTML report: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function register(program: Command): void {
  program
    .command('report')
    .description('regenerate report.html of a stored run (and the store index), or the index alone with --index')
    .argument('[dir]', 'run folder (store/<scenario>/<timestamp>/)')
    .option('--index [store]', 'regenerate store/index.html (default store: ./store)')
    .action(async (dir: string | undefined, opts: { index?: string | boolean }) => {
      if (opts.index !== undefined) {
        const store = typeof opts.index === 'string' ? opts.index : dir ?? 'store';
        console.log(await writeIndex(store));
        return;
      }
      if (!dir) throw new UsageError('report needs a run folder (faultline report DIR) or --index [STORE]');
      if (path.basename(path.resolve(dir)) === 'store' && !(await stat(path.join(dir, 'history.jsonl')).catch(() => null))) {
        throw new UsageError(`${dir} is a store, not a run folder: use faultline report --index ${dir}`);
      }
      console.log(await writeRunReport(dir));
      const store = await storeOf(dir);
      if (store) console.log(await writeIndex(store));
    });
}
