// What faking a host's clock costs a process, side by side in one run: the time of one wall-clock
// read (Date.now → clock_gettime(CLOCK_REALTIME)) and one monotonic read (performance.now) in a Node
// child started without libfaketime, under libfaketime with its default 10 s cache, and as faultline
// runs it (FAKETIME_NO_CACHE: the control file is read on every wall-clock call, so a step reaches
// every process at once; monotonic reads are not faked).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileClock, fakeClockUnavailable, waitShim } from '../harness/runtime/clock/fake-clock.ts';
import { runCommand } from '../harness/runtime/process.ts';
import type { BenchSection } from './run.ts';

const CALLS = 200_000;
const PROBE = `const n=${CALLS};let t=process.hrtime.bigint();for(let i=0;i<n;i++)Date.now();const w=Number(process.hrtime.bigint()-t)/n;t=process.hrtime.bigint();for(let i=0;i<n;i++)performance.now();console.log(w,Number(process.hrtime.bigint()-t)/n)`;

async function perCall(env: Record<string, string>): Promise<{ wallNs: number; monoNs: number }> {
  const r = await runCommand(process.execPath, ['-e', PROBE], { env, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`probe failed: ${r.stderr.trim()}`);
  const [wallNs, monoNs] = r.stdout.trim().split(' ').map(Number);
  return { wallNs, monoNs };
}

export const section: BenchSection = {
  name: 'clock',
  description: `cost of the fake host clock per clock read (${CALLS} reads each, Node child)`,
  async run() {
    const why = fakeClockUnavailable();
    if (why) {
      console.log(`skipped: ${why}`);
      return true;
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'fl-bench-clock-'));
    try {
      const clock = new FileClock(path.join(dir, 'clock'), await waitShim());
      const faultline = clock.env();
      const cached = Object.fromEntries(Object.entries(faultline).filter(([k]) => k !== 'FAKETIME_NO_CACHE'));
      const rows: [string, Record<string, string>][] = [['no libfaketime', {}], ['libfaketime, 10 s cache', cached], ['faultline (no cache)', faultline]];
      const base = await perCall({});
      console.log('setting                    wall ns/call  monotonic ns/call  wall vs none');
      for (const [name, env] of rows) {
        const r = name === 'no libfaketime' ? base : await perCall(env);
        console.log(`${name.padEnd(26)} ${r.wallNs.toFixed(0).padStart(12)}  ${r.monoNs.toFixed(0).padStart(17)}  ${(r.wallNs / base.wallNs).toFixed(1).padStart(11)}x`);
      }
      return true;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
