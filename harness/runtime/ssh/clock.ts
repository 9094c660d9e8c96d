// A remote machine's fake wall clock (HostClock over ssh), the same mechanism as netns — Debian's
// libfaketime under LD_PRELOAD, behind the monotonic-waits shim, reading a control file re-read on
// every clock call — with each piece on the machine itself: the control file in the host's harness
// folder (never on the host's own folder, which a disk fault fills), rewritten through a resident
// shell of the run's connection; the shim built there with cc, or, on a machine without a compiler,
// the harness machine's build uploaded when architecture and C library fit (checked). A strobe flips
// the file on the machine, from a small C loop (clock/strobe.c) recorded in the run's ledger, since a
// flip every 10 ms is shorter than a round trip. Before the first process starts, each machine shows
// that a process there really sees an offset (a /tmp mounted noexec, say, would not).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HarnessError } from '../../errors.ts';
import { CC_FLAGS, CLOCK_SOURCES, fakeClockEnv, offsetSpec, strobeProgram, waitShim } from '../clock/fake-clock.ts';
import type { LedgerProcess } from '../ledger.ts';
import type { ClockStrobe, HostClock, HostRequirement } from '../types.ts';
import type { SshConnection } from './connection.ts';
import { uploadFile } from './files.ts';
import { execCommand, quote, shCommand, START_TIME } from './shell.ts';

/** A strobe ends by itself after this long (a bound on a loop the harness may not live to stop). */
export const STROBE_LIMIT_S = 3600;
const CHECK_OFFSET_S = 100;

/** The harness machine's own builds of the helpers, and what a machine must be to run them. */
export interface LocalClockBuild {
  shim: string;
  strobe: string;
  /** `uname -m` of this machine. */
  machine: string;
  /** The newest GLIBC_x.y symbol version the builds need. */
  glibc: [number, number];
}

/** The newest GLIBC_x.y version named in ELF files' bytes (their needed symbol versions). */
export function neededGlibc(files: readonly string[]): [number, number] {
  let best: [number, number] = [2, 0];
  for (const f of files) {
    for (const m of readFileSync(f, 'latin1').matchAll(/GLIBC_(\d+)\.(\d+)/g)) {
      const v: [number, number] = [Number(m[1]), Number(m[2])];
      if (v[0] > best[0] || (v[0] === best[0] && v[1] > best[1])) best = v;
    }
  }
  return best;
}

/** Builds the helpers here, for machines without a compiler; undefined when this machine cannot. */
export async function localClockBuild(): Promise<LocalClockBuild | undefined> {
  try {
    const [shim, strobe] = await Promise.all([waitShim(), strobeProgram()]);
    return { shim, strobe, machine: os.machine(), glibc: neededGlibc([shim, strobe]) };
  } catch {
    return undefined;
  }
}

/** A POSIX sh condition: this machine can run `build` (same `uname -m`, a glibc at least as new). */
export function prebuiltFits(build: Pick<LocalClockBuild, 'machine' | 'glibc'> | undefined): string {
  if (!build) return 'false';
  const [major, minor] = build.glibc;
  return [
    `[ "$(uname -m)" = ${quote(build.machine)} ]`,
    'v=$(getconf GNU_LIBC_VERSION 2>/dev/null)', 'v=${v#glibc }', 'M=${v%%.*}', 'm=${v#*.}', 'm=${m%%.*}',
    `{ [ "$M" -gt ${major} ] || { [ "$M" -eq ${major} ] && [ "$m" -ge ${minor} ]; }; } 2>/dev/null`,
  ].join(' && ');
}

const LIBFAKETIME_GLOB = '/usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1';

/** What a machine needs for clock faults: libfaketime, and a compiler with the C headers for the
 *  shim and the strobe — unless this machine's builds fit it. */
export function clockRequirements(build: LocalClockBuild | undefined): HostRequirement[] {
  const fits = prebuiltFits(build);
  const or = build ? ` (${build.machine} machines with glibc ≥ ${build.glibc.join('.')} take the harness machine's build instead)` : '';
  return [
    { what: "Debian's libfaketime (clock faults)", test: `ls ${LIBFAKETIME_GLOB} 2>/dev/null | grep -q .`, debian: 'libfaketime' },
    { what: `a C compiler (cc) for the clock's wait shim${or}`, test: `command -v cc || { ${fits}; }`, debian: 'gcc' },
    { what: `the C library headers for the clock's wait shim${or}`, test: `[ -e /usr/include/dlfcn.h ] || { ${fits}; }`, debian: 'libc6-dev' },
  ];
}

/** Finds libfaketime and writes the control file at +0. Args: control file. Prints its path. */
export const CLOCK_SETUP_SCRIPT = [
  `for f in ${LIBFAKETIME_GLOB}; do [ -e "$f" ] && { echo "$f"; break; }; done | grep . || { echo "no libfaketime.so.1 in /usr/lib/*/faketime (apt-get install libfaketime)" >&2; exit 3; }`,
  'printf "+0\\n" > "$1"',
].join('\n');

/** Writes an offset atomically (a process reading the file never sees half of one). Args: file, offset. */
export const WRITE_OFFSET_SCRIPT = 'printf "%s\\n" "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"';

/**
 * Proves a process there sees the fake clock: `date` under the clock's environment (with a check
 * file at +CHECK_OFFSET_S instead of the control file) against plain `date`; and that the strobe
 * program runs (no args: exit 2, its usage). Args: check file, strobe program, env assignments….
 * Prints `real R faked F strobe S` and what the preloaded `date` said on stderr.
 */
export const CLOCK_CHECK_SCRIPT = [
  'check=$1 strobe=$2; shift 2',
  `printf "+${CHECK_OFFSET_S}\\n" > "$check"`,
  'real=$(date +%s)',
  'faked=$(env "$@" date +%s 2>"$check.err")',
  '"$strobe" >/dev/null 2>&1; s=$?',
  'echo "real $real faked ${faked:--} strobe $s"',
  'head -c 300 "$check.err"; rm -f "$check" "$check.err"',
].join('\n');

/**
 * Starts the strobe in its own session, working in the host's folder (so a sweep of that folder
 * finds it even if its pid never reaches the ledger), after writing the first side itself so that
 * side is in force when this returns. Prints `pid PID START`.
 * Args: host folder, program, control file, A, B, period ms, limit s, log.
 */
export const STROBE_START_SCRIPT = [
  'cd "$1" || exit 97',
  'printf "%s\\n" "$4" > "$3.tmp" && mv -f "$3.tmp" "$3" || exit 1',
  'setsid "$2" "$3" "$4" "$5" "$6" "$7" >>"$8" 2>&1 </dev/null &',
  'pid=$!',
  `start=$(set -- $pid; ${START_TIME})`,
  'echo "pid $pid ${start:--}"',
].join('\n');

/** Stops a strobe (if that pid is still it: same start time), waits until it is gone, and prints its
 *  last line. Args: pid, start (`-` unknown), log. */
export const STROBE_STOP_SCRIPT = [
  `now=$(${START_TIME})`,
  'if [ -n "$now" ] && { [ "$2" = - ] || [ "$now" = "$2" ]; }; then',
  '  kill -s TERM "$1" 2>/dev/null; i=0',
  '  while [ -e /proc/$1 ] && ! grep -q "^State:.*Z" /proc/$1/status 2>/dev/null; do',
  '    i=$((i+1)); [ $i -le 500 ] || { kill -s KILL "$1"; echo "the strobe (pid $1) did not end within 5 s of SIGTERM" >&2; exit 1; }',
  '    sleep 0.01',
  '  done',
  'fi',
  'tail -n 1 "$3"',
].join('\n');

/** The strobe's last line: `flips N side K ms E (why)`. */
export function parseStrobeEnd(line: string): { flips: number; side: 0 | 1; ms: number; why: string } | undefined {
  const m = /^flips (\d+) side ([01]) ms (\d+) \((.*)\)$/.exec(line.trim());
  return m ? { flips: Number(m[1]), side: m[2] === '1' ? 1 : 0, ms: Number(m[3]), why: m[4] } : undefined;
}

/** Where a host's clock lives on its machine. */
export interface RemoteClockPaths {
  /** The host's own folder (the strobe works there). */
  hostDir: string;
  /** The control file, the shim, libfaketime, the strobe program and its log. */
  file: string;
  shim: string;
  libfaketime: string;
  strobe: string;
  strobeLog: string;
}

/** Where the runtime keeps a strobe's pid while it runs (the run's ledger). */
export interface ProcessTrack {
  add(p: LedgerProcess): void;
  drop(pid: number): void;
}

/** What clock changes cost over the connection, for the run's closing line and the bench. */
export interface ClockTimings {
  /** ms from the call until the machine had the new offset (sets, strobe starts). */
  applyMs: number[];
  strobes: { flips: number; ms: number }[];
}

export class RemoteClock implements HostClock {
  private offset = 0;
  private strobing: ClockStrobe | undefined;

  constructor(private readonly conn: SshConnection, readonly paths: RemoteClockPaths, private readonly track: ProcessTrack, private readonly timings: ClockTimings) {}

  /** The offset last set; while strobing, the side the strobe started on (the side in force is
   *  known again when it stops). */
  get offsetMs(): number {
    return this.offset;
  }

  /** What a process needs in its environment to see this clock. */
  env(base: Record<string, string> = {}): Record<string, string> {
    return fakeClockEnv({ shim: this.paths.shim, libfaketime: this.paths.libfaketime, file: this.paths.file }, base);
  }

  async set(offsetMs: number): Promise<void> {
    if (this.strobing) throw new HarnessError('the clock is strobing; stop the strobe before setting an offset');
    const r = await this.timed(() => this.conn.run(shCommand(WRITE_OFFSET_SCRIPT, [this.paths.file, offsetSpec(offsetMs)]), { timeoutMs: 10_000, what: `setting the clock to ${offsetSpec(offsetMs)} s` }));
    if (r.code !== 0) throw new HarnessError(`cannot set the clock on ${this.conn.label}: ${r.stderr.trim() || `exit ${r.code}`}`);
    this.offset = offsetMs;
  }

  async strobe(aMs: number, bMs: number, periodMs: number): Promise<ClockStrobe> {
    if (this.strobing) throw new HarnessError('the clock is already strobing');
    if (!(periodMs >= 1)) throw new HarnessError(`strobe period must be at least 1 ms, got ${periodMs}`);
    const p = this.paths;
    const args = [p.hostDir, p.strobe, p.file, offsetSpec(aMs), offsetSpec(bMs), String(Math.round(periodMs)), String(STROBE_LIMIT_S), p.strobeLog];
    const r = await this.timed(() => this.conn.run(shCommand(STROBE_START_SCRIPT, args), { timeoutMs: 10_000, what: 'starting the clock strobe' }));
    const m = /^pid (\d+) (\d+|-)$/m.exec(r.stdout);
    if (r.code !== 0 || !m) throw new HarnessError(`cannot start the clock strobe on ${this.conn.label}: ${r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`}`);
    const pid = Number(m[1]);
    const start = m[2] === '-' ? undefined : Number(m[2]);
    this.track.add({ pid, start, name: 'clock-strobe' });
    this.offset = aMs;
    const strobe: ClockStrobe = { stop: () => this.stopStrobe(strobe, pid, start, [aMs, bMs]) };
    this.strobing = strobe;
    return strobe;
  }

  private async stopStrobe(strobe: ClockStrobe, pid: number, start: number | undefined, sides: [number, number]): Promise<{ flips: number; offsetMs: number }> {
    const r = await this.conn.run(shCommand(STROBE_STOP_SCRIPT, [String(pid), start === undefined ? '-' : String(start), this.paths.strobeLog]), { timeoutMs: 15_000, what: 'stopping the clock strobe' });
    if (r.code !== 0) throw new HarnessError(`cannot stop the clock strobe (pid ${pid}) on ${this.conn.label}: ${r.stderr.trim() || `exit ${r.code}`}`);
    this.track.drop(pid);
    if (this.strobing === strobe) this.strobing = undefined;
    const end = parseStrobeEnd(r.stdout.trim().split('\n').pop() ?? '');
    if (!end) throw new HarnessError(`the clock strobe on ${this.conn.label} ended without saying how: ${r.stdout.trim().slice(0, 200) || 'no output'}`);
    this.offset = sides[end.side];
    this.timings.strobes.push({ flips: end.flips, ms: end.ms });
    if (end.why !== 'stopped') throw new HarnessError(`the clock strobe on ${this.conn.label} ended early (${end.why}) after ${end.flips} flips in ${end.ms} ms`);
    return { flips: end.flips, offsetMs: this.offset };
  }

  private async timed<T>(work: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const out = await work();
    this.timings.applyMs.push(Math.round(performance.now() - t0));
    return out;
  }
}

/** Builds shim and strobe on the machine with its own cc; the reason when it cannot. */
async function buildThere(conn: SshConnection, dir: string, out: { shim: string; strobe: string }): Promise<string | undefined> {
  const src = { shim: path.posix.join(dir, 'monotonic-waits.c'), strobe: path.posix.join(dir, 'strobe.c') };
  await uploadFile(conn, src.shim, readFileSync(CLOCK_SOURCES.shim));
  await uploadFile(conn, src.strobe, readFileSync(CLOCK_SOURCES.strobe));
  const cc = (k: 'shim' | 'strobe') => execCommand('cc', [...CC_FLAGS[k].flags, '-O2', '-o', out[k], src[k], ...CC_FLAGS[k].libs]);
  const r = await conn.run(shCommand(`command -v cc >/dev/null || { echo "no C compiler (cc)" >&2; exit 127; }\n${cc('shim')} && ${cc('strobe')}`), { timeoutMs: 120_000, what: 'building the clock helpers with cc' });
  return r.code === 0 ? undefined : r.stderr.trim().split('\n')[0] || `cc exit ${r.code}`;
}

/** Uploads the harness machine's builds when they fit the machine; the reason when they do not. */
async function uploadBuilds(conn: SshConnection, build: LocalClockBuild | undefined, out: { shim: string; strobe: string }): Promise<string | undefined> {
  if (!build) return 'the harness machine has no build of its own to offer (no cc here either)';
  const r = await conn.run(shCommand(`if ${prebuiltFits(build)}; then echo fits; else echo "$(uname -m) $(getconf GNU_LIBC_VERSION 2>/dev/null || echo 'without glibc')"; fi`), { timeoutMs: 10_000, what: 'comparing machine and C library' });
  if (r.stdout.trim() !== 'fits') return `the harness machine's builds need ${build.machine} with glibc ≥ ${build.glibc.join('.')}, this one is ${r.stdout.trim() || 'unknown'}`;
  await uploadFile(conn, out.shim, readFileSync(build.shim), 0o755);
  await uploadFile(conn, out.strobe, readFileSync(build.strobe), 0o755);
  return undefined;
}

/** Sets up a host's clock in `harnessDir` on its machine: control file at +0, shim and strobe
 *  (built there, else uploaded), and the proof that a process there sees an offset. */
export async function setupRemoteClock(conn: SshConnection, dirs: { host: string; harness: string }, build: LocalClockBuild | undefined, track: ProcessTrack, timings: ClockTimings, log: (line: string) => void): Promise<RemoteClock> {
  const file = path.posix.join(dirs.harness, 'clock');
  const setup = await conn.run(shCommand(CLOCK_SETUP_SCRIPT, [file]), { timeoutMs: 10_000, what: 'finding libfaketime' });
  if (setup.code !== 0) throw new HarnessError(`${conn.label}: clock faults: ${setup.stderr.trim() || `exit ${setup.code}`}`);
  const out = { shim: path.posix.join(dirs.harness, 'fl-monotonic-waits.so'), strobe: path.posix.join(dirs.harness, 'fl-strobe') };
  const notBuilt = await buildThere(conn, dirs.harness, out);
  const notUploaded = notBuilt && (await uploadBuilds(conn, build, out));
  if (notUploaded) throw new HarnessError(`${conn.label}: clock faults need their wait shim: building it there failed (${notBuilt}) and ${notUploaded}; install gcc and libc6-dev there (--install does)`);
  if (notBuilt) log(`faultline: ${conn.label}: the clock's wait shim and strobe come from this machine (no build there: ${notBuilt})`);
  const clock = new RemoteClock(conn, { hostDir: dirs.host, file, ...out, libfaketime: setup.stdout.trim(), strobeLog: path.posix.join(dirs.harness, 'clock-strobe.log') }, track, timings);
  await proveFaked(conn, clock, path.posix.join(dirs.harness, 'clock.check'));
  return clock;
}

/** Throws unless a process on the machine, under the clock's environment, sees an offset. */
async function proveFaked(conn: SshConnection, clock: RemoteClock, checkFile: string): Promise<void> {
  const env = Object.entries({ ...clock.env(), FAKETIME_TIMESTAMP_FILE: checkFile }).map(([k, v]) => `${k}=${v}`);
  const r = await conn.run(shCommand(CLOCK_CHECK_SCRIPT, [checkFile, clock.paths.strobe, ...env]), { timeoutMs: 10_000, what: 'checking the fake clock' });
  const m = /^real (\d+) faked (\d+|-) strobe (\d+)$/m.exec(r.stdout);
  const said = r.stdout.split('\n').slice(1).join(' ').trim();
  if (!m) throw new HarnessError(`${conn.label}: the fake clock check failed: ${r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`}`);
  const skew = Number(m[2]) - Number(m[1]);
  if (m[2] === '-' || Math.abs(skew - CHECK_OFFSET_S) > 2) {
    throw new HarnessError(`${conn.label}: a process under libfaketime does not see the fake clock (${m[2] === '-' ? 'no answer' : `off by ${skew} s, not ${CHECK_OFFSET_S}`}${said ? `: ${said}` : ''}); is ${path.posix.dirname(checkFile)} on a noexec mount? choose another --remote-dir`);
  }
  if (m[3] !== '2') throw new HarnessError(`${conn.label}: the clock strobe program cannot run (exit ${m[3]}); is ${path.posix.dirname(checkFile)} on a noexec mount? choose another --remote-dir`);
}
