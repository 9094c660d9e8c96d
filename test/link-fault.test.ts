// The link-fault nemesis kinds (slow-link, flaky-link, stall) on the local runtime: run through the
// schedule runner against echo servers, they add measurable latency / resets / stalls to the
// victim's links only while they last, and are skipped (with a note) where the runtime has no
// proxied links.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cleanup } from '../harness/cleanup.ts';
import local from '../harness/runtime/local/index.ts';
import { Rng } from '../harness/rng.ts';
import { faultKinds, runNemesis, type NemesisEvent } from '../harness/nemesis/index.ts';
import { strength } from '../harness/nemesis/link-faults.ts';
import type { FaultContext, PlannedFault } from '../harness/nemesis/types.ts';
import type { Runtime } from '../harness/runtime/types.ts';
import type { Cluster } from '../harness/target.ts';
import { ECHO_PORT, EchoConn, medianRtt, startEchoServers } from './local-echo.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('link-fault nemesis kinds on the local runtime @integration', function () {
  this.timeout(60_000);
  let cleanup: Cleanup;
  let runtime: Runtime;
  let logDir: string;
  let ctx: FaultContext;
  const lines: string[] = [];

  before(async () => {
    cleanup = new Cleanup();
    logDir = mkdtempSync(path.join(tmpdir(), 'fl-test-linkfault-'));
    runtime = await local.create({ hosts: ['n1', 'n2', 'n3'], logDir, cleanup, log: () => {} });
    await startEchoServers(runtime.hosts);
    const cluster: Cluster = { target: 'echo', nodes: ['n1', 'n2', 'n3'], metrics: {}, stop: async () => {} };
    ctx = { cluster, runtime, rng: new Rng(1), log: (l) => lines.push(l) };
  });

  after(async () => {
    const errors = await cleanup.runAll();
    rmSync(logDir, { recursive: true, force: true });
    assert.deepEqual(errors, []);
  });

  /** Runs `schedule` in the background; returns the recorded events once it ends. */
  function runInBackground(schedule: PlannedFault[]): Promise<NemesisEvent[]> {
    const events: NemesisEvent[] = [];
    return runNemesis(schedule, ctx, (e) => events.push(e), new AbortController().signal).then(() => events);
  }

  it('are registered with the other fault kinds', () => {
    for (const k of ['slow-link', 'flaky-link', 'stall']) assert.ok(faultKinds[k], k);
  });

  it('slow-link adds the drawn latency to the victim links and only to them, for its duration', async () => {
    const pick = 0.5; // victim n2 (index 1 of 3); strength (0.5*3)%1 = 0.5 → 250 ms ± 50
    assert.equal(strength(pick, 3), 0.5);
    const victim = await runtime.host('n2').endpoint(ECHO_PORT);
    const other = await runtime.host('n1').endpoint(ECHO_PORT);
    const done = runInBackground([{ kind: 'slow-link', at: 0, duration: 4000, pick }]);
    await sleep(300);
    const slow = await medianRtt(victim, 3);
    const fast = await medianRtt(other, 3);
    const events = await done;
    const after = await medianRtt(victim, 3);
    console.log(`      slow-link 250±50 ms: victim round trip ${slow.toFixed(0)} ms, other node ${fast.toFixed(1)} ms, after the fault ${after.toFixed(1)} ms`);
    assert.ok(slow >= 2 * 200 && slow < 2 * 300 + 250, `victim round trip ${slow} ms`);
    assert.ok(fast < 100, `n1 is not the victim but took ${fast} ms`);
    assert.ok(after < 100, `latency left behind: ${after} ms`);
    const start = events.find((e) => e.f === 'fault-start');
    assert.deepEqual(start?.value.targets, ['n2']);
    assert.equal((start?.value.detail as { latencyMs: number }).latencyMs, 250);
    assert.ok(events.some((e) => e.f === 'fault-end'));
  });

  it('stall holds the victim links silent, flaky-link resets them; both end cleanly', async () => {
    const ep = await runtime.host('n3').endpoint(ECHO_PORT);
    const stalled = runInBackground([{ kind: 'stall', at: 0, duration: 2000, pick: 0.9 }]);
    await sleep(300);
    const c = await EchoConn.open(ep);
    assert.equal(await c.roundTrip('x', 1000), undefined, 'an answer came through a stalled link');
    assert.equal(c.closed, undefined, 'stall must not close the connection');
    await stalled;
    c.close();
    assert.ok((await medianRtt(ep, 3)) < 100);

    // pick 0.7: victim n3, strength 0.1 → reset with toxicity 1/3 + 0.1·2/3 ≈ 0.4
    const flaky = runInBackground([{ kind: 'flaky-link', at: 0, duration: 3000, pick: 0.7 }]);
    await sleep(300);
    let resets = 0;
    for (let i = 0; i < 20; i++) {
      const conn = await EchoConn.open(ep);
      if ((await conn.roundTrip('y', 1000)) === undefined) resets++;
      conn.close();
    }
    const events = await flaky;
    console.log(`      flaky-link toxicity ${(events[0].value.detail as { toxicity: number }).toxicity}: ${resets}/20 connections reset`);
    assert.ok(resets >= 2 && resets <= 16, `${resets}/20 connections reset`);
    assert.equal((events[0].value.detail as { type: string }).type, 'reset');
  });

  it('are skipped with a note on a runtime without proxied links', async () => {
    const bare: Runtime = { ...runtime, kind: 'netns', host: runtime.host.bind(runtime), network: { partition: async () => {}, heal: async () => {} } };
    const noLinks: FaultContext = { ...ctx, runtime: bare };
    for (const k of ['slow-link', 'flaky-link', 'stall']) assert.equal(faultKinds[k].supported(noLinks), false);
    const events: NemesisEvent[] = [];
    lines.length = 0;
    await runNemesis([{ kind: 'slow-link', at: 0, duration: 100, pick: 0 }], noLinks, (e) => events.push(e), new AbortController().signal);
    assert.deepEqual(events, []);
    assert.ok(lines.some((l) => /slow-link is not supported/.test(l)), lines.join('\n'));
  });
});
