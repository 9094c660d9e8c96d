// A host's own wall clock, faked for the target's processes only (never the machine's clock): every
// process a host spawns is started under Debian's libfaketime (LD_PRELOAD) reading a control file
// that holds the host's offset ("+60", "-0.25"), re-read on every clock call (FAKETIME_NO_CACHE), so
// an offset written by the nemesis reaches every process of the host at the same moment, as a real
// clock step would. Only CLOCK_REALTIME is faked (FAKETIME_DONT_FAKE_MONOTONIC): a real step never
// moves the monotonic clock. A 40-line shim (monotonic-waits.c, built here once with cc) sits in front
// of libfaketime to keep waits on the monotonic clock working (see the C file and docs/CLOCKS.md);
// strobe.c is the strobe loop the ssh runtime runs on a remote host (here a timer does the flipping).
// The control file lives outside the host's data folder, so a full disk never blocks a clock change.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../../errors.ts';
import { runCommand } from '../process.ts';
import type { ClockStrobe, HostClock } from '../types.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '../../..');
const SHIM_SOURCE = path.join(HERE, 'monotonic-waits.c');
const STROBE_SOURCE = path.join(HERE, 'strobe.c');

/** Debian's libfaketime for this machine's architecture (the container images have the same path). */
export function libfaketimePath(): string {
  const multiarch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  return `/usr/lib/${multiarch}/faketime/libfaketime.so.1`;
}

/** Why fake clocks cannot work on this machine, or undefined when they can. */
export function fakeClockUnavailable(): string | undefined {
  if (!existsSync(libfaketimePath())) return `clock faults need Debian's libfaketime (${libfaketimePath()} is missing: apt-get install faketime)`;
  return undefined;
}

/** How each helper is compiled (the ssh runtime builds them the same way on hosts with cc). */
export const CC_FLAGS = {
  shim: { flags: ['-shared', '-fPIC'], libs: ['-ldl'], suffix: '.so' },
  strobe: { flags: [], libs: [], suffix: '' },
};
type CcFlags = (typeof CC_FLAGS)['shim'];

/** Compiles `source` with cc into the repo's .tmp (the repo is mounted into containers at the same
 *  path), named by the source's hash so concurrent runs and older builds never collide. */
async function buildOnce(source: string, name: string, how: CcFlags): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const out = path.join(REPO_ROOT, '.tmp', 'clock', `${name}-${hash}${how.suffix}`);
  if (existsSync(out)) return out;
  mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const r = await runCommand('cc', [...how.flags, '-O2', '-o', tmp, source, ...how.libs], { timeoutMs: 60_000 }).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
  if (r.code !== 0) {
    rmSync(tmp, { force: true });
    throw new HarnessError(`clock faults need ${path.basename(source)} built with cc (apt-get install gcc libc6-dev): ${r.stderr.trim().split('\n')[0] || `exit ${r.code}`}`);
  }
  renameSync(tmp, out);
  return out;
}

/** The wait shim (monotonic-waits.c) built for this machine. */
export const waitShim = (): Promise<string> => buildOnce(SHIM_SOURCE, 'fl-monotonic-waits', CC_FLAGS.shim);

/** The strobe program (strobe.c) built for this machine: what the ssh runtime runs on a host whose
 *  own C compiler is missing, when the machines match. */
export const strobeProgram = (): Promise<string> => buildOnce(STROBE_SOURCE, 'fl-strobe', CC_FLAGS.strobe);

/** The C sources of the clock's helpers, for hosts that build them themselves. */
export const CLOCK_SOURCES = { shim: SHIM_SOURCE, strobe: STROBE_SOURCE };

/** The environment a process needs to see the wall clock of control file `file` (as the process
 *  sees the path) through `shim` and `libfaketime`; an LD_PRELOAD already in `base` stays last. */
export function fakeClockEnv(p: { shim: string; libfaketime: string; file: string }, base: Record<string, string> = {}): Record<string, string> {
  return {
    LD_PRELOAD: [p.shim, p.libfaketime, base.LD_PRELOAD].filter(Boolean).join(':'),
    FAKETIME_TIMESTAMP_FILE: p.file,
    FAKETIME_NO_CACHE: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
    // file times stay the kernel's: faking them would re-read the control file on every stat()
    NO_FAKE_STAT: '1',
  };
}

/** libfaketime's relative-offset syntax, seconds with a '.' fraction: +60, -0.25, +0. */
export function offsetSpec(offsetMs: number): string {
  const s = Math.round(offsetMs) / 1000;
  return `${s < 0 ? '-' : '+'}${Math.abs(s)}`;
}

/** A host clock driven through a control file the harness writes directly (netns, local, docker
 *  through a bind mount). `file` is the path as the harness sees it; processes see it at `fileInHost`. */
export class FileClock implements HostClock {
  private offset = 0;
  private strobing: ClockStrobe | undefined;

  constructor(private readonly file: string, private readonly shim: string, private readonly fileInHost = file) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.write(0);
  }

  get offsetMs(): number {
    return this.offset;
  }

  /** What a process needs in its environment to see this clock. */
  env(base: Record<string, string> = {}): Record<string, string> {
    return fakeClockEnv({ shim: this.shim, libfaketime: libfaketimePath(), file: this.fileInHost }, base);
  }

  async set(offsetMs: number): Promise<void> {
    if (this.strobing) throw new HarnessError('the clock is strobing; stop the strobe before setting an offset');
    this.write(offsetMs);
  }

  async strobe(aMs: number, bMs: number, periodMs: number): Promise<ClockStrobe> {
    if (this.strobing) throw new HarnessError('the clock is already strobing');
    if (!(periodMs >= 1)) throw new HarnessError(`strobe period must be at least 1 ms, got ${periodMs}`);
    let flips = 0;
    let at = aMs;
    this.write(at);
    const timer = setInterval(() => {
      at = at === aMs ? bMs : aMs;
      this.write(at);
      flips++;
    }, periodMs);
    const strobe: ClockStrobe = {
      stop: async () => {
        clearInterval(timer);
        if (this.strobing === strobe) this.strobing = undefined;
        return { flips, offsetMs: this.offset };
      },
    };
    this.strobing = strobe;
    return strobe;
  }

  /** Write-then-rename: a process reading the file never sees half an offset. */
  private write(offsetMs: number): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${offsetSpec(offsetMs)}\n`);
    renameSync(tmp, this.file);
    this.offset = offsetMs;
  }
}

/** One FileClock per host under `dir` (a folder of the run, outside every host's data folder), or
 *  undefined when the run asked for no clock; throws why when this machine cannot fake clocks. */
export async function makeHostClocks(wanted: boolean | undefined, dir: string, hosts: readonly string[]): Promise<Map<string, FileClock> | undefined> {
  if (!wanted) return undefined;
  const why = fakeClockUnavailable();
  if (why) throw new HarnessError(why);
  const shim = await waitShim();
  return new Map(hosts.map((h) => [h, new FileClock(path.join(dir, h), shim)]));
}
