// Where a run's store is: the folder that holds store/<scenario>/<run>/ and its index.html. A run, and
// `faultline report` on a run folder, rewrite the index only there — never in a folder that merely
// happens to lie two levels above a run folder given with --out (which once put index.html in /tmp
// and in /).
import path from 'node:path';

/** The store a run folder lies in: a folder named `store` two levels up (store/<scenario>/<run>). */
export function storeAbove(runDir: string): string | null {
  const above = path.dirname(path.dirname(path.resolve(runDir)));
  return path.basename(above) === 'store' ? above : null;
}
