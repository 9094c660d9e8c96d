// Whether the compiled CLI in dist/ may run: it was built (scripts/build.mjs) and nothing it was built
// from has changed since: every source file has the same modification time and size, and every
// directory they are in the same modification time (a file added, removed or renamed there may belong
// in the bundle). One stat per entry: about a millisecond. A developer who edits a .ts file must
// never get the old compiled code.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Why dist/ under `root` must not be used, or null when it is up to date. */
export function staleReason(root) {
  let build;
  try {
    build = JSON.parse(readFileSync(path.join(root, 'dist', 'BUILD.json'), 'utf8'));
  } catch {
    return 'there is no compiled build in dist/';
  }
  const sources = Object.entries(build.sources ?? {});
  if (sources.length === 0) return 'dist/BUILD.json lists no sources';
  for (const [rel, [mtimeMs, size]] of sources) {
    const now = statSync(path.join(root, rel), { throwIfNoEntry: false });
    if (now === undefined) return `${rel} is gone since the last build`;
    if (now.mtimeMs !== mtimeMs || now.size !== size) return `${rel} changed since the last build`;
  }
  for (const [rel, mtimeMs] of Object.entries(build.dirs ?? {})) {
    const now = statSync(path.join(root, rel), { throwIfNoEntry: false });
    if (now === undefined) return `${rel}/ is gone since the last build`;
    if (now.mtimeMs !== mtimeMs) return `a file was added to, removed from or renamed in ${rel}/ since the last build`;
  }
  return null;
}
