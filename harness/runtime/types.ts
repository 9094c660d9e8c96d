// Where nodes live. A runtime gives a scenario a set of isolated hosts that can run processes and
// whose network the nemesis can cut. netns (default as root), docker, local (plain processes on
// loopback, links through the proxy) and ssh (machines the user names) implement the same interface,
// so targets and nemeses never ask which one they are on.
import type { Cleanup } from '../cleanup.ts';
import type { SshSettings } from './ssh/settings.ts';

export type RuntimeKind = 'netns' | 'docker' | 'local' | 'ssh';

export interface ProcessSpec {
  /** Short name for logs and the process table, e.g. 'zookeeper' or 'nginx'. */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** A long-running process on a host (a daemon: a ZooKeeper JVM, nginx, the uWSGI master). */
export interface HostProcess {
  readonly name: string;
  /** Pid as seen from the harness (for signals). */
  readonly pid: number;
  /** File the process's stdout and stderr go to. */
  readonly logFile: string;
  readonly alive: boolean;
  signal(signal: NodeJS.Signals): Promise<void>;
  /** SIGSTOP / SIGCONT. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Resolves with the exit code/signal once it exited; rejects after timeoutMs saying what it waited for. */
  waitExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Host {
  /** Logical node name: n1, n2, ... (used in histories, schedules and reports). */
  readonly name: string;
  /** Address other hosts use to reach this one (10.77.x.y on netns; 127.0.0.1 on local). */
  readonly address: string;
  /** The port this host's service with the conventional port `base` listens on. netns/docker:
   *  `base` itself; local: a port unique to this host (all hosts share 127.0.0.1). */
  port(base: number): number;
  /** Where the harness process (the clients) reaches `port(base)` of this host: the host's own
   *  address on netns, a mapped loopback port on docker, a proxy port on local. */
  endpoint(base: number): Promise<{ host: string; port: number }>;
  /** Where `from` reaches `port(base)` of this host (node-to-node links; on local through a proxy so
   *  the link can be cut). Default: address + port(base). */
  peerEndpoint(from: Host, base: number): Promise<{ host: string; port: number }>;
  /** Starts a long-running process on the host, output captured to logDir/<host>-<name>.log. */
  spawn(spec: ProcessSpec): Promise<HostProcess>;
  /** Runs a short command on the host and waits for it (with a deadline). */
  exec(command: string, args: string[], opts?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
  /** Writes a file on the host (its folder is created as needed): configs, the test app. */
  writeFile(file: string, text: string): Promise<void>;
  /** A directory private to this host (data dirs, configs); on docker, a path inside the container. */
  readonly dir: string;
  /** Optional (when the run asked for `features.clock`): the wall clock this host's processes see. */
  readonly clock?: HostClock;
  /** Optional (when the run asked for `features.disk`): `dir` lies on a filesystem of its own, of a
   *  fixed size, that can be filled. */
  readonly disk?: HostDisk;
}

/** A host's wall clock as its processes see it (never the machine's own clock). Offsets in ms. */
export interface HostClock {
  /** The offset in force now (the last one set; the current side of a strobe). */
  readonly offsetMs: number;
  /** Steps the host's wall clock to real time + offsetMs, for every process of the host at once. */
  set(offsetMs: number): Promise<void>;
  /** Flips between offsets a and b every periodMs until the strobe is stopped (the offset stays
   *  where the last flip left it: set it afterwards). */
  strobe(aMs: number, bMs: number, periodMs: number): Promise<ClockStrobe>;
}

export interface ClockStrobe {
  stop(): Promise<{ flips: number; offsetMs: number }>;
}

/** The size-limited filesystem holding a host's `dir`. */
export interface HostDisk {
  readonly sizeBytes: number;
  /** Fills the filesystem until writes fail with ENOSPC; resolves with the bytes it took. */
  fill(): Promise<{ bytes: number }>;
  /** Frees what fill() took. Idempotent. */
  free(): Promise<void>;
}

/** What a run needs its hosts to offer beyond processes and a network (the faults it plans ask). */
export interface HostFeatures {
  clock?: boolean;
  /** A filesystem of this many MiB per host for `dir`. */
  diskMb?: number;
}

/** Name of the harness itself (the clients) as the `from` end of a link: links `client`→n1, ... */
export const CLIENT_HOST = 'client';

/** A fault on the links a proxy carries (Toxiproxy toxics): added latency (each way), a bandwidth
 *  cap (KB/s each way), a share of connections reset (RST) or cut after `bytes`, or a stall (nothing
 *  gets through, nothing is closed). */
export type LinkFault =
  | { type: 'latency'; latencyMs: number; jitterMs?: number }
  | { type: 'bandwidth'; kbPerSec: number }
  | { type: 'reset'; toxicity: number; afterMs?: number }
  | { type: 'limit'; bytes: number; toxicity: number }
  | { type: 'stall' };

/** Which directed links (from dials to) a link fault hits: each given field must match; `touching`
 *  matches a link with that host at either end. Host names, or CLIENT_HOST for the harness. */
export interface LinkSelector {
  from?: string;
  to?: string;
  touching?: string;
}

export interface ActiveLinkFault {
  /** Names of the links (proxies) it was installed on. */
  links: string[];
  /** Removes it again (links created meanwhile included). Idempotent. */
  end(): Promise<void>;
}

/** Network faults between hosts. Directed: `grudge[a]` lists the hosts whose traffic `a` drops. */
export interface Network {
  partition(grudge: Record<string, string[]>): Promise<void>;
  /** Removes every partition (and link fault) this network installed. */
  heal(): Promise<void>;
  /** Optional: runtimes whose links go through a proxy (local) can slow, reset or stall chosen
   *  links, including links created while the fault is active. Absent: link faults unsupported. */
  linkFault?(select: LinkSelector, fault: LinkFault): Promise<ActiveLinkFault>;
}

export interface Runtime {
  readonly kind: RuntimeKind;
  /** Unique per run, short (fits interface names): e.g. 'a3f9'. Part of every fl- name. */
  readonly runId: string;
  readonly hosts: readonly Host[];
  readonly network: Network;
  host(name: string): Host;
}

/** Something a host must have installed for a target to run there, e.g. java or the uWSGI python3
 *  plugin. Runtimes that use machines they did not build (ssh) check these before starting anything. */
export interface HostRequirement {
  /** As the user reads it: 'java', 'ZooKeeper jar /usr/share/java/zookeeper.jar'. */
  what: string;
  /** A POSIX sh condition that holds when it is there, e.g. 'command -v java'. */
  test: string;
  /** The Debian package that provides it (what `--install` installs). */
  debian?: string;
}

export interface RuntimeOptions {
  /** Host names to create, e.g. ['n1','n2','n3'] or ['nginx','app']. */
  hosts: string[];
  /** Folder for per-host logs (store/<scenario>/<ts>/logs). */
  logDir: string;
  /** Where the runtime registers the undo of everything it creates. */
  cleanup: Cleanup;
  log: (line: string) => void;
  /** Clock and disk capabilities to give every host; a runtime that cannot throws a UsageError
   *  saying why in one line. */
  features?: HostFeatures;
  /** What each host needs installed (by host name), from the target. */
  requirements?: Record<string, HostRequirement[]>;
  /** The machines and credentials of `--runtime ssh` (other runtimes ignore it). */
  ssh?: SshSettings;
}

/** Each runtime module (harness/runtime/<kind>/index.ts) default-exports one of these. */
export interface RuntimeFactory {
  kind: RuntimeKind;
  /** Why it cannot run here (not root, no docker engine, ...) or undefined when it can. */
  unavailable(): Promise<string | undefined>;
  create(opts: RuntimeOptions): Promise<Runtime>;
  /** Removes leftovers of runs whose owning faultline process is gone (`faultline clean`);
   *  `all`: every fl- resource of this runtime, even of runs still going (`faultline clean --all`). */
  clean(log: (line: string) => void, opts?: { all?: boolean }): Promise<void>;
}
