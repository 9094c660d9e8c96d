// The HTTP checkers (harakiri, timeout, recycling, delivery) on hand-made histories in the shape the
// http workload records: each checker must accept a history where the stack kept its promise and
// reject one where it did not, with a message naming the broken promise.
import assert from 'node:assert/strict';
import type { Op } from '../harness/history/op.ts';
import { checkHarakiri } from '../harness/checker/http/harakiri.ts';
import { checkTimeout } from '../harness/checker/http/timeout.ts';
import { checkRecycling } from '../harness/checker/http/recycling.ts';
import { checkDelivery } from '../harness/checker/http/delivery.ts';
import { checkCrash } from '../harness/checker/http/crash.ts';

const WALL = 1_800_000_000_000;

interface Req {
  kind?: string; method?: 'GET' | 'POST'; ms?: number; stallMs?: number; padBytes?: number;
  start: number; end?: number; status?: number; pid?: number; serverPid?: number; queue?: number;
  type?: 'ok' | 'fail' | 'info'; clientTimeout?: boolean; error?: string;
}

/** Builds a history: requests (invoke + completion), nemesis windows, final reads. */
class History {
  private entries: Omit<Op, 'index'>[] = [];
  private journal: Record<string, [number, number]> = {};
  private effects: Record<string, number> | undefined;
  private next = 0;

  req(r: Req): string {
    const process = this.next++;
    const rid = `r${process}-1`;
    const kind = r.kind ?? 'fast';
    const ms = r.ms ?? 5;
    const method = r.method ?? (kind === 'effect' || kind === 'body' ? 'POST' : 'GET');
    const value = { rid, method, path: kind === 'effect' ? '/effect' : `/sleep?ms=${ms}`, stallMs: r.stallMs ?? ms, totalMs: ms, ...(r.padBytes ? { padBytes: r.padBytes } : {}) };
    this.entries.push({ time: r.start, process, type: 'invoke', f: kind, value });
    const pid = r.serverPid ?? r.pid;
    if (pid !== undefined) this.journal[rid] = [pid, WALL + r.start + (r.queue ?? 1)];
    if (r.end === undefined) return rid;
    const type = r.type ?? (r.status === 200 ? 'ok' : r.clientTimeout ? 'info' : 'fail');
    const meta: Record<string, unknown> = { rid, bytes: 10, t0: WALL + r.start, t1: WALL + r.end, ms: r.end - r.start };
    if (r.status !== undefined) meta.status = r.status;
    if (r.pid !== undefined) meta.pid = r.pid;
    if (r.clientTimeout) meta.clientTimeout = true;
    const error = r.error ?? (type === 'ok' ? undefined : r.clientTimeout ? 'client timeout' : `HTTP ${r.status}`);
    this.entries.push({ time: r.end, process, type, f: kind, value, meta, ...(error ? { error } : {}) });
    return rid;
  }

  fault(fault: string, start: number, end: number, targets = ['app'], detail?: unknown): this {
    this.entries.push({ time: start, process: 'nemesis', type: 'event', f: 'fault-start', value: { fault, id: `${fault}-${start}`, targets, detail } });
    this.entries.push({ time: end, process: 'nemesis', type: 'event', f: 'fault-end', value: { fault, id: `${fault}-${start}`, targets } });
    return this;
  }

  effect(rid: string, count: number): this {
    this.effects ??= {};
    this.effects[rid] = count;
    return this;
  }

  build(opts: { workers?: number[]; effects?: boolean } = {}): Op[] {
    const end = Math.max(0, ...this.entries.map((e) => e.time)) + 1000;
    const final: Omit<Op, 'index'>[] = [];
    const p = this.next++;
    if (opts.workers) {
      final.push({ time: end, process: p, type: 'invoke', f: 'workers', value: null });
      final.push({ time: end + 1, process: p, type: 'ok', f: 'workers', value: { pids: opts.workers } });
    }
    if (opts.effects !== false) {
      final.push({ time: end + 2, process: p, type: 'invoke', f: 'effects', value: null });
      final.push({ time: end + 3, process: p, type: 'ok', f: 'effects', value: { effects: this.effects ?? {}, started: this.journal } });
    }
    return [...this.entries, ...final].map((e, i) => ({ ...e, seq: i })).sort((a, b) => a.time - b.time || a.seq - b.seq)
      .map(({ seq: _seq, ...e }, index) => ({ ...e, index }));
  }
}

describe('harakiri checker', () => {
  const opts = { harakiri: 2, processes: 2, readTimeout: 10 };

  it('accepts a long request killed with 502 inside [H, H+3 s] and a replaced worker', () => {
    const h = new History();
    h.req({ start: 0, end: 10, status: 200, pid: 101 });
    h.req({ kind: 'over', ms: 6000, start: 100, end: 3000, status: 502, serverPid: 101 });
    h.req({ start: 3500, end: 3510, status: 200, pid: 103 });
    const res = checkHarakiri(h.build({ workers: [102, 103] }), opts);
    assert.equal(res.valid, true, res.summary);
    const kills = res.details?.killWindows as { killDelayMs: number; pid: number; replacedBy?: number }[];
    assert.equal(kills.length, 1);
    assert.ok(Math.abs(kills[0].killDelayMs - 2899) <= 1);
    assert.equal(kills[0].pid, 101);
    assert.equal(kills[0].replacedBy, 103);
    assert.deepEqual(res.details?.workers, { 101: 2, 103: 1 });
  });

  it('accepts either outcome for a request ending between H and H+slack (the master checks once a second)', () => {
    const h = new History();
    h.req({ kind: 'over', ms: 3500, start: 0, end: 3505, status: 200, pid: 101 });
    h.req({ kind: 'over', ms: 3500, start: 0, end: 3300, status: 502, serverPid: 102 });
    h.req({ kind: 'over', ms: 6000, start: 0, end: 3100, status: 502, serverPid: 103 });
    const res = checkHarakiri(h.build(), opts);
    assert.equal(res.valid, true, res.summary);
    assert.equal((res.details?.killWindows as unknown[]).length, 2);
  });

  it('rejects a request past H that was answered 200 (harakiri switched off)', () => {
    const h = new History();
    h.req({ kind: 'over', ms: 6000, start: 0, end: 5005, status: 200, pid: 101 });
    const res = checkHarakiri(h.build({ workers: [101, 102] }), opts);
    assert.equal(res.valid, false);
    assert.match(res.summary, /past harakiri 2 s.*should have been killed.*answered 200/);
  });

  it('rejects a short request killed while no fault was active, but excuses one during a worker kill', () => {
    const bad = new History();
    bad.req({ kind: 'slow', ms: 800, start: 0, end: 300, status: 502, serverPid: 101 });
    const res = checkHarakiri(bad.build(), opts);
    assert.equal(res.valid, false);
    assert.match(res.summary, /shorter than harakiri.*killed/);
    const excused = new History();
    excused.req({ kind: 'slow', ms: 800, start: 0, end: 300, status: 502, serverPid: 101 });
    excused.req({ kind: 'over', ms: 6000, start: 1000, end: 3800, status: 502, serverPid: 102 });
    excused.fault('worker-kill', 250, 260);
    assert.equal(checkHarakiri(excused.build(), opts).valid, true);
  });

  it('rejects a kill outside the promised window and a killed worker still alive at the end', () => {
    const late = new History();
    late.req({ kind: 'over', ms: 8000, start: 0, end: 6000, status: 502, serverPid: 101 });
    assert.match(checkHarakiri(late.build(), opts).summary, /outside the promised window \[2000, 5000\]/);
    const alive = new History();
    alive.req({ kind: 'over', ms: 6000, start: 0, end: 2900, status: 502, serverPid: 101 });
    const res = checkHarakiri(alive.build({ workers: [101, 102] }), opts);
    assert.equal(res.valid, false);
    assert.match(res.summary, /worker 101, killed by harakiri.*still alive/);
  });

  it('says unknown when no request ran past H', () => {
    const h = new History();
    h.req({ start: 0, end: 10, status: 200, pid: 101 });
    assert.equal(checkHarakiri(h.build(), opts).valid, 'unknown');
  });
});

describe('timeout checker', () => {
  const opts = { readTimeout: 2, connectTimeout: 2, sendTimeout: 2, harakiri: 6 };

  it('accepts 504 after about T for a silent upstream and 200 for a slow stream', () => {
    const h = new History();
    h.req({ kind: 'over', ms: 4000, start: 0, end: 2004, status: 504, serverPid: 101 });
    h.req({ kind: 'stream', ms: 2500, stallMs: 500, start: 0, end: 2600, status: 200, pid: 102 });
    h.req({ start: 100, end: 110, status: 200, pid: 103 });
    const res = checkTimeout(h.build(), opts);
    assert.equal(res.valid, true, res.summary);
    assert.deepEqual((res.details?.stats504 as { count: number }).count, 1);
  });

  it('rejects a 504 that came before the read timeout was due, unless a stall fault was active', () => {
    const h = new History();
    h.req({ kind: 'slow', ms: 300, start: 0, end: 800, status: 504, serverPid: 101 });
    const res = checkTimeout(h.build(), opts);
    assert.equal(res.valid, false);
    assert.match(res.summary, /answered 504 after 800 ms although the upstream was silent for only/);
    const stalled = new History();
    stalled.req({ kind: 'slow', ms: 300, start: 0, end: 800, status: 504, serverPid: 101 });
    stalled.fault('app-pause', 100, 700);
    assert.equal(checkTimeout(stalled.build(), opts).valid, true);
    const broken = new History();
    broken.req({ kind: 'slow', ms: 300, start: 0, end: 800, status: 504, serverPid: 101 });
    broken.fault('master-kill', 100, 700);
    assert.match(checkTimeout(broken.build(), opts).summary, /breaks the upstream: that is a 502/);
  });

  it('rejects a silent upstream answered 200 and a client timeout where nginx should have answered', () => {
    const ok200 = new History();
    ok200.req({ kind: 'over', ms: 4000, start: 0, end: 4005, status: 200, pid: 101 });
    assert.match(checkTimeout(ok200.build(), opts).summary, /should have answered 504 after about 2000 ms — it was answered 200/);
    const hung = new History();
    hung.req({ kind: 'fast', ms: 5, start: 0, end: 20_000, clientTimeout: true, type: 'info' });
    const res = checkTimeout(hung.build(), opts);
    assert.equal(res.valid, false);
    assert.match(res.summary, /client's own timeout fired after 20000 ms, yet nginx should have answered/);
  });

  it('wants a 502 at once for a variable block over buffer-size, and excuses it from the harakiri rule', () => {
    const ok = new History();
    ok.req({ kind: 'bigvars', ms: 0, padBytes: 4500, start: 0, end: 12, status: 502 });
    ok.req({ kind: 'over', ms: 6000, start: 0, end: 3000, status: 502, serverPid: 101 });
    const history = ok.build();
    assert.equal(checkTimeout(history, opts).valid, true);
    assert.equal(checkHarakiri(history, { ...opts, harakiri: 2 }).valid, true);
    const accepted = new History();
    accepted.req({ kind: 'bigvars', ms: 0, padBytes: 4500, start: 0, end: 12, status: 200, pid: 101 });
    assert.match(checkTimeout(accepted.build(), opts).summary, /exceeds buffer-size 4096: uWSGI must refuse it and nginx answer 502 at once — it was answered 200/);
    const bigger = new History();
    bigger.req({ kind: 'bigvars', ms: 0, padBytes: 4500, start: 0, end: 12, status: 200, pid: 101 });
    assert.equal(checkTimeout(bigger.build(), { ...opts, bufferSize: 8192 }).valid, true, 'fits a larger buffer-size');
  });

  it('says unknown when the client gave up before the server deadline', () => {
    const h = new History();
    h.req({ kind: 'fast', ms: 5, start: 0, end: 1000, clientTimeout: true, type: 'info' });
    assert.equal(checkTimeout(h.build(), opts).valid, 'unknown');
  });
});

describe('recycling checker', () => {
  const opts = { maxRequests: 3, minWorkerLifetime: 1 };
  const serve = (h: History, pid: number, times: number[]) => times.forEach((t) => h.req({ start: t, end: t + 10, status: 200, pid }));

  it('accepts workers that serve at most max-requests each', () => {
    const h = new History();
    serve(h, 101, [0, 600, 1200]);
    serve(h, 102, [1300, 1900, 2500]);
    const res = checkRecycling(h.build(), opts);
    assert.equal(res.valid, true, res.summary);
    assert.deepEqual(res.details?.workers, { 101: 3, 102: 3 });
  });

  it('rejects a worker that served more than max-requests after it was old enough to recycle', () => {
    const h = new History();
    serve(h, 101, [0, 600, 1200, 1800, 2400]);
    const res = checkRecycling(h.build(), opts);
    assert.equal(res.valid, false);
    assert.match(res.summary, /worker 101 served 5 requests, more than max-requests 3/);
  });

  it('judges the worker\'s age when it decided, not when the client got the answer (a slow delivery)', () => {
    const h = new History();
    // the 3rd request's app time ends ~610 ms after the first began: too young to retire, though its
    // answer reached the client only at 1,200 ms
    [0, 300].forEach((t) => h.req({ start: t, end: t + 10, status: 200, pid: 101 }));
    h.req({ start: 600, end: 1200, status: 200, pid: 101 });
    h.req({ start: 1300, end: 1310, status: 200, pid: 101 });
    assert.equal(checkRecycling(h.build(), opts).valid, true);
    const late = new History(); // the same worker deciding after a 700 ms request is old enough
    [0, 300].forEach((t) => late.req({ start: t, end: t + 10, status: 200, pid: 101 }));
    late.req({ start: 600, end: 1310, ms: 700, status: 200, pid: 101 });
    late.req({ start: 1400, end: 1410, status: 200, pid: 101 });
    assert.equal(checkRecycling(late.build(), opts).valid, false);
  });

  it('excuses a worker younger than min-worker-lifetime (uWSGI does not recycle it yet)', () => {
    const h = new History();
    serve(h, 101, [0, 100, 200, 300, 400]);
    assert.equal(checkRecycling(h.build(), opts).valid, true);
  });

  it('rejects a request cut or refused with no fault active', () => {
    const h = new History();
    serve(h, 101, [0, 600, 1200]);
    h.req({ start: 1250, end: 1260, status: 502 });
    const res = checkRecycling(h.build(), opts);
    assert.equal(res.valid, false);
    assert.match(res.summary, /within every deadline, yet was answered 502.*around the recycling of worker 101/);
  });
});

describe('delivery checker', () => {
  it('accepts effects applied exactly once when answered 200 and at most once otherwise', () => {
    const h = new History();
    const a = h.req({ kind: 'effect', ms: 0, start: 0, end: 5, status: 200, pid: 101 });
    const b = h.req({ kind: 'effect', ms: 0, start: 10, end: 15, status: 502, type: 'info' });
    h.req({ kind: 'effect', ms: 0, start: 20, end: 25, status: 502, type: 'info' });
    h.effect(a, 1).effect(b, 1);
    const res = checkDelivery(h.build());
    assert.equal(res.valid, true, res.summary);
    assert.deepEqual(res.details?.effects, { requested: 3, answered200: 1, applied: 2, duplicated: 0, lost: 0, unknownOutcome: 2 });
  });

  it('rejects a side effect performed twice and one lost after a 200', () => {
    const twice = new History();
    twice.effect(twice.req({ kind: 'effect', ms: 0, start: 0, end: 5, status: 200, pid: 101 }), 2);
    assert.match(checkDelivery(twice.build()).summary, /side effect happened 2 times/);
    const lost = new History();
    lost.req({ kind: 'effect', ms: 0, start: 0, end: 5, status: 200, pid: 101 });
    assert.match(checkDelivery(lost.build()).summary, /answered 200 but its side effect never happened/);
  });

  it('rejects a request that never completed, and is unknown without the final effects read', () => {
    const h = new History();
    h.req({ start: 0 });
    assert.match(checkDelivery(h.build()).summary, /never completed/);
    const unread = new History();
    unread.req({ kind: 'effect', ms: 0, start: 0, end: 5, status: 200, pid: 101 });
    assert.equal(checkDelivery(unread.build({ effects: false })).valid, 'unknown');
  });
});

describe('worker-crash checker', () => {
  it('accepts a worker kill that fails only the killed worker\'s request and a dead master refusing at once', () => {
    const h = new History();
    h.req({ kind: 'slow', ms: 800, start: 900, end: 1002, status: 502, serverPid: 101 });
    h.req({ kind: 'slow', ms: 800, start: 900, end: 1700, status: 200, pid: 102 });
    h.req({ start: 1500, end: 1505, status: 200, pid: 103 });
    h.fault('worker-kill', 1000, 1010, ['app'], { pid: 101 });
    h.fault('master-kill', 5000, 8000);
    h.req({ start: 6500, end: 6501, status: 502 });
    const res = checkCrash(h.build());
    assert.equal(res.valid, true, res.summary);
    assert.deepEqual(res.details?.workerKills, [{ pid: 101, at: 1000, failed: ['r0-1'], replacedBy: 103 }]);
    assert.equal(res.details?.refusedWhileMasterDead, 1);
  });

  it('rejects a worker kill that failed another worker\'s request, and a hang while the master was dead', () => {
    const h = new History();
    h.req({ kind: 'slow', ms: 800, start: 900, end: 1002, status: 502, serverPid: 102 });
    h.fault('worker-kill', 1000, 1010, ['app'], { pid: 101 });
    assert.match(checkCrash(h.build()).summary, /ran on worker 102 but was answered 502 .* when worker 101 was killed/);
    const m = new History();
    m.fault('master-kill', 5000, 9000);
    m.req({ start: 6500, end: 8600, status: 504 });
    assert.match(checkCrash(m.build()).summary, /after the uWSGI master was SIGKILLed, so nginx should have refused it with 502 at once .* answered 504/);
  });
});
