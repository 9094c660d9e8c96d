// Temporary folders for a describe block: each call gives a fresh one (os.tmpdir()/fl-<prefix>-…, so
// parallel files never share one), and all of them are removed after the block.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Call inside `describe`: returns a function making a new temporary folder per call. */
export function tempFolders(prefix: string): () => string {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return () => {
    const d = mkdtempSync(path.join(os.tmpdir(), `fl-${prefix}-`));
    dirs.push(d);
    return d;
  };
}
