// Requirements shared by the targets whose servers are faultline's own TypeScript (zk-lite, uwsgi-lite):
// they run this very node binary on this checkout's files, so on a machine faultline did not build
// (ssh) both must be there at the same paths. No Debian package brings them: the preflight says so.
import type { HostRequirement } from './types.ts';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** node at the harness's own path, and the checkout file `entry` (the server's main module). */
export function harnessNodeRequirement(entry: string): HostRequirement {
  return {
    what: `node at ${process.execPath} and this faultline checkout (${entry}) at the same paths as on the harness machine`,
    test: `test -x ${q(process.execPath)} && test -f ${q(entry)}`,
  };
}
