// Whether the compiled CLI in dist/ may run: it was built (scripts/build.mjs) and no source it was
// built from has changed since (same modification time and size, one stat per source: about a
// millisecond). A developer who edits a .ts file must never get the old compiled code.
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
  for (const [rel, [mtimeMs, size]] of Object.entries(build.sources ?? {})) {
    let now;
    try {
      now = statSync(path.join(root, rel));
    } catch {
      return `${rel} is gone since the last build`;
    }
    if (now.mtimeMs !== mtimeMs || now.size !== size) return `${rel} changed since the last build`;
  }
  return Object.keys(build.sources ?? {}).length ? null : 'dist/BUILD.json lists no sources';
}
