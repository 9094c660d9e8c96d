// One node of the netns runtime: a network namespace with its own address on the run's bridge.
// Services listen on their conventional ports (no two hosts share an address), the harness reaches
// them directly at that address, and processes run inside with `ip netns exec`, which execs the
// command so the pid we hold is the daemon's own (SIGSTOP/SIGKILL hit the daemon, not a wrapper).
import path from 'node:path';
import type { Cleanup } from '../../cleanup.ts';
import type { ExecResult, Host, HostDisk, HostProcess, ProcessSpec } from '../types.ts';
import type { FileClock } from '../clock/fake-clock.ts';
import { runCommand, spawnLogged, writeLocalFile } from '../process.ts';
import { runTag, type Ledger } from '../ledger.ts';

export interface HostContext {
  logDir: string;
  cleanup: Cleanup;
  ledger: Ledger;
}

export class NetnsHost implements Host {
  constructor(
    readonly name: string,
    readonly address: string,
    /** The network namespace, fl-<run>-<name>. */
    readonly namespace: string,
    readonly dir: string,
    private readonly ctx: HostContext,
    readonly clock?: FileClock,
    readonly disk?: HostDisk,
  ) {}

  port(base: number): number {
    return base;
  }

  async endpoint(base: number): Promise<{ host: string; port: number }> {
    return { host: this.address, port: base };
  }

  async peerEndpoint(_from: Host, base: number): Promise<{ host: string; port: number }> {
    return { host: this.address, port: base };
  }

  async spawn(spec: ProcessSpec): Promise<HostProcess> {
    const { ledger, cleanup, logDir } = this.ctx;
    const proc = await spawnLogged({
      name: spec.name,
      command: 'ip',
      args: ['netns', 'exec', this.namespace, spec.command, ...spec.args],
      logFile: path.join(logDir, `${this.name}-${spec.name}.log`),
      env: { ...(this.clock ? { ...spec.env, ...this.clock.env(spec.env) } : spec.env), ...runTag(ledger.data.runId) },
      cwd: spec.cwd ?? this.dir,
    });
    ledger.addProcess({ pid: proc.pid, start: proc.startTime, name: `${this.name}/${spec.name}` });
    void proc.exited.then(() => ledger.dropProcess(proc.pid));
    cleanup.add(`${spec.name} on ${this.name} (pid ${proc.pid})`, () => proc.stop());
    return proc;
  }

  exec(command: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
    return runCommand('ip', ['netns', 'exec', this.namespace, command, ...args], opts);
  }

  writeFile(file: string, text: string): Promise<void> {
    return writeLocalFile(file, text);
  }
}
