// What running over SSH costs against netns, measured side by side in one session on the same
// machine: three netns machines each running their own sshd (as the ssh runtime's tests use them).
// 1. A partition's control overhead: from the call (the nemesis's schedule time) until the iptables
//    rules are in place on every machine, and the heal, repeated, netns and ssh alternating; plus one
//    short command's round trip over ssh through a resident shell and through a fresh exec channel.
// 2. Clock and disk faults' control overhead, netns and ssh alternating: from the call until the new
//    offset is on the host (clock set, strobe start), the flip rate a 10 ms strobe reaches there,
//    and filling a 64 MiB folder to ENOSPC and freeing it.
// 3. zk-register on real ZooKeeper, netns and ssh alternating with the same seed and fault schedule:
//    runtime + ensemble start time, ops/s, verdict.
// `npm run bench -- ssh [--rounds N]` (default 2 rounds of the scenario, ~3 minutes; `--rounds 0`:
// the control overheads only).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cleanup } from '../harness/cleanup.ts';
import { halves } from '../harness/net/grudge.ts';
import netns from '../harness/runtime/netns/index.ts';
import ssh from '../harness/runtime/ssh/index.ts';
import type { SshHost } from '../harness/runtime/ssh/host.ts';
import { shCommand } from '../harness/runtime/ssh/shell.ts';
import type { Runtime } from '../harness/runtime/types.ts';
import { loadScheduleFile } from '../harness/scenario/shrink.ts';
import { runScenario } from '../harness/scenario/run.ts';
import { startSshdMachines, type SshdMachines } from '../test/support/sshd.ts';
import type { BenchSection } from './run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODES = ['n1', 'n2', 'n3'];
const PARTITIONS = 20;
const ROUND_TRIPS = 20;
const SEED = 7;
const TIME_LIMIT = 12;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const median = (xs: number[]) => pct(xs, 0.5);
const stats = (xs: number[]) => `median ${median(xs).toFixed(0)} ms, p90 ${pct(xs, 0.9).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

/** Partition + heal PARTITIONS times on each runtime, alternating; ms per change. */
async function partitionCosts(runtimes: Record<string, Runtime>): Promise<Record<string, number[]>> {
  const costs: Record<string, number[]> = Object.fromEntries(Object.keys(runtimes).map((k) => [k, []]));
  for (let i = 0; i < PARTITIONS; i++) {
    for (const [kind, rt] of Object.entries(runtimes)) {
      costs[kind].push(await timed(() => rt.network.partition(halves(NODES, i / PARTITIONS))));
      costs[kind].push(await timed(() => rt.network.heal()));
    }
  }
  return costs;
}

/** One short command over ssh: through a resident shell, and on an exec channel of its own. */
async function roundTrips(host: SshHost): Promise<{ resident: number[]; exec: number[] }> {
  const out = { resident: [] as number[], exec: [] as number[] };
  const cmd = shCommand('kill -0 $$');
  for (let i = 0; i < ROUND_TRIPS; i++) {
    out.resident.push(await timed(() => host.conn.run(cmd)));
    out.exec.push(await timed(() => host.conn.execOnce(cmd)));
  }
  return out;
}

async function microBench(m: SshdMachines): Promise<void> {
  const cleanup = new Cleanup();
  const logDir = mkdtempSync(path.join(tmpdir(), 'fl-bench-ssh-'));
  try {
    const common = { hosts: NODES, logDir, cleanup, log: () => {}, features: { clock: true, diskMb: 64 } };
    const runtimes = {
      netns: await netns.create(common),
      ssh: await ssh.create({ ...common, ssh: { hosts: m.hostsList, key: m.keyFile } }),
    };
    const costs = await partitionCosts(runtimes);
    console.log(`partition or heal, call → rules on all 3 machines (${PARTITIONS} partitions + ${PARTITIONS} heals each, alternating):`);
    for (const [kind, xs] of Object.entries(costs)) console.log(`  ${kind.padEnd(6)} ${stats(xs)}`);
    console.log(`  ssh/netns median ratio ${(median(costs.ssh) / median(costs.netns)).toFixed(1)}x`);
    const rt = await roundTrips(runtimes.ssh.hosts[0] as SshHost);
    console.log(`one short command over ssh (${ROUND_TRIPS} each): resident shell ${stats(rt.resident)}; own exec channel (login shell) ${stats(rt.exec)}`);
    await clockDiskCosts(runtimes);
  } finally {
    for (const e of await cleanup.runAll()) console.log(`  cleanup: ${e}`);
    rmSync(logDir, { recursive: true, force: true });
  }
}

const CLOCK_SETS = 20;
const STROBE_MS = 1000;
const STROBES = 5;
const DISK_FILLS = 5;

/** Clock sets, a strobe and disk fills on n1 of each runtime, alternating; ms per change. */
async function clockDiskCosts(runtimes: Record<string, Runtime>): Promise<void> {
  const sets: Record<string, number[]> = {};
  const fills: Record<string, number[]> = {};
  const frees: Record<string, number[]> = {};
  for (let i = 0; i < CLOCK_SETS; i++) {
    for (const [kind, rt] of Object.entries(runtimes)) (sets[kind] ??= []).push(await timed(() => rt.hosts[0].clock!.set(i % 2 ? 0 : 60_000)));
  }
  console.log(`\nclock set, call → offset on the host (${CLOCK_SETS} each, alternating):`);
  for (const [kind, xs] of Object.entries(sets)) console.log(`  ${kind.padEnd(6)} ${stats(xs)}`);
  const strobes: Record<string, { start: number[]; stop: number[]; rate: number[] }> = {};
  for (let i = 0; i < STROBES; i++) {
    for (const [kind, rt] of Object.entries(runtimes)) {
      const clock = rt.hosts[0].clock!;
      const x = (strobes[kind] ??= { start: [], stop: [], rate: [] });
      let strobe: Awaited<ReturnType<typeof clock.strobe>> | undefined;
      x.start.push(await timed(async () => (strobe = await clock.strobe(0, 5000, 10))));
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, STROBE_MS));
      let flips = 0;
      x.stop.push(await timed(async () => ({ flips } = await strobe!.stop())));
      x.rate.push((flips * 1000) / (performance.now() - t0));
      await clock.set(0);
    }
  }
  console.log(`strobe every 10 ms for ${STROBE_MS / 1000} s (${STROBES} each; start = call → first side on the host):`);
  for (const [kind, x] of Object.entries(strobes)) console.log(`  ${kind.padEnd(6)} start ${stats(x.start)}; stop ${stats(x.stop)}; flips/s median ${median(x.rate).toFixed(0)}, min ${Math.min(...x.rate).toFixed(0)}`);
  for (let i = 0; i < DISK_FILLS; i++) {
    for (const [kind, rt] of Object.entries(runtimes)) {
      (fills[kind] ??= []).push(await timed(() => rt.hosts[0].disk!.fill()));
      (frees[kind] ??= []).push(await timed(() => rt.hosts[0].disk!.free()));
    }
  }
  console.log(`disk: fill 64 MiB to ENOSPC / free it (${DISK_FILLS} each, alternating):`);
  for (const kind of Object.keys(runtimes)) console.log(`  ${kind.padEnd(6)} fill ${stats(fills[kind])}; free ${stats(frees[kind])}`);
}

interface RunRow { runtime: string; round: number; startMs: number; opsPerSec: number; valid: string }

async function scenarioRound(m: SshdMachines, runtime: 'netns' | 'ssh', round: number, dir: string): Promise<RunRow> {
  const schedule = loadScheduleFile(path.join(ROOT, 'test/fixtures/ssh-3-schedule.json'));
  const { result } = await runScenario({
    scenario: 'zk-register', runtime, seed: SEED, timeLimit: TIME_LIMIT, schedule, out: path.join(dir, `${runtime}-${round}`),
    ...(runtime === 'ssh' ? { ssh: { hosts: m.hostsList, key: m.keyFile } } : {}),
  });
  const x = result.metrics ?? {};
  return { runtime, round, startMs: (x.runtimeStartMs ?? 0) + (x.targetStartMs ?? 0), opsPerSec: x.opsPerSec ?? 0, valid: String(result.valid) };
}

async function scenarioBench(m: SshdMachines, rounds: number): Promise<boolean> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-bench-ssh-runs-'));
  const rows: RunRow[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const order: ('netns' | 'ssh')[] = round % 2 ? ['netns', 'ssh'] : ['ssh', 'netns'];
      for (const rt of order) rows.push(await scenarioRound(m, rt, round, dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nzk-register, seed ${SEED}, ${TIME_LIMIT} s, schedule test/fixtures/ssh-3-schedule.json, alternating:`);
  console.log('  runtime  round  start (runtime + ensemble)  ops/s   valid');
  for (const r of rows) console.log(`  ${r.runtime.padEnd(7)}  ${String(r.round).padEnd(5)}  ${String(r.startMs).padStart(8)} ms                ${r.opsPerSec.toFixed(1).padStart(6)}  ${r.valid}`);
  const of = (rt: string, f: (r: RunRow) => number) => median(rows.filter((r) => r.runtime === rt).map(f));
  console.log(`  ssh/netns medians: start ${(of('ssh', (r) => r.startMs) / of('netns', (r) => r.startMs)).toFixed(2)}x, ops/s ${(of('ssh', (r) => r.opsPerSec) / of('netns', (r) => r.opsPerSec)).toFixed(2)}x`);
  return rows.every((r) => r.valid === 'true');
}

export const section: BenchSection = {
  name: 'ssh',
  description: 'ssh runtime against netns on the same machine: partition, clock and disk control overhead, strobe flip rate, command round trips, zk-register start time and ops/s',
  async run(args) {
    if (await netns.unavailable()) {
      console.log('  skipped: needs root (netns machines with sshd)');
      return true;
    }
    const at = args.indexOf('--rounds');
    const rounds = at >= 0 ? Number(args[at + 1]) : 2;
    const logDir = mkdtempSync(path.join(tmpdir(), 'fl-bench-sshd-'));
    const m = await startSshdMachines(['m1', 'm2', 'm3'], { logDir });
    try {
      await microBench(m);
      return rounds > 0 ? await scenarioBench(m, rounds) : true;
    } finally {
      await m.stop();
      rmSync(logDir, { recursive: true, force: true });
    }
  },
};
