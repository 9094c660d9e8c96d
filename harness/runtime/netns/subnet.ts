// Which 10.77.<k>.0/24 a run uses. Several runs (other engineers' tests, CI jobs) build networks at
// the same time, and their harness-side veths all live in the root namespace, so two runs on the
// same /24 would steal each other's routes. A run reserves its subnet by creating a lock file
// exclusively and skips any subnet that some root-namespace interface already carries. netns uses
// k = 1..127; 128..254 are left for other runtimes (e.g. docker networks).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../../errors.ts';
import { ledgerDir } from '../ledger.ts';
import { runChecked } from '../process.ts';

export const SUBNET_FIRST = 1;
export const SUBNET_LAST = 127;

export interface Subnet {
  /** Third octet k of 10.77.k.0/24. */
  k: number;
  /** Reservation file to delete when the run ends. */
  lockFile: string;
}

/** 10.77.k.<host> */
export const subnetAddress = (k: number, host: number): string => `10.77.${k}.${host}`;

/** Third octets of every 10.77.x.y address configured in the root namespace. */
async function subnetsInUse(): Promise<Set<number>> {
  const out = await runChecked('ip', ['-o', '-4', 'addr', 'show'], { timeoutMs: 10_000 });
  const used = new Set<number>();
  for (const m of out.matchAll(/inet 10\.77\.(\d+)\.\d+/g)) used.add(Number(m[1]));
  return used;
}

/** Reserves a free subnet, starting the search at a point derived from the run id. */
export async function reserveSubnet(runId: string): Promise<Subnet> {
  const used = await subnetsInUse();
  const span = SUBNET_LAST - SUBNET_FIRST + 1;
  const start = parseInt(runId, 16) % span;
  for (let i = 0; i < span; i++) {
    const k = SUBNET_FIRST + ((start + i) % span);
    if (used.has(k)) continue;
    const lockFile = path.join(ledgerDir(), `subnet-10.77.${k}.lock`);
    try {
      writeFileSync(lockFile, `${runId} ${process.pid}\n`, { flag: 'wx' });
      return { k, lockFile };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new HarnessError(`no free subnet in 10.77.${SUBNET_FIRST}-${SUBNET_LAST}.0/24 (run \`faultline clean\` to remove leftovers of dead runs)`);
}
