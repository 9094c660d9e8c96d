// One machine of an ssh run, as the Host every target already knows. Nodes reach it at its node
// address (the hosts file's address=, else the IP the harness reached), the harness at the IP it
// dialled; services keep their conventional ports, except that a login without root cannot bind
// below 1024, so such a port moves up by 8000 (nginx's 80 becomes 8080). Its folder is
// <remote dir>/fl-<run>/<host name>, so hosts never collide even when machines share a file system;
// beside it, <host name>.harness holds the daemons' output logs and the fake clock, out of the way of
// a disk fault. A run with clock faults starts every daemon under the host's fake clock, as netns does.
import path from 'node:path';
import type { Cleanup } from '../../cleanup.ts';
import { HarnessError } from '../../errors.ts';
import type { ExecResult, Host, HostDisk, HostProcess, ProcessSpec } from '../types.ts';
import type { RemoteClock } from './clock.ts';
import type { SshConnection } from './connection.ts';
import { harnessFolder, uploadFile } from './files.ts';
import type { RunRecord } from './record.ts';
import { SshProcess } from './process.ts';
import { execCommand } from './shell.ts';

/** Where a privileged port goes for a login that cannot bind it. */
export const UNPRIVILEGED_PORT_SHIFT = 8000;

export interface SshHostContext {
  logDir: string;
  cleanup: Cleanup;
  record: RunRecord;
}

export class SshHost implements Host {
  constructor(
    readonly name: string,
    /** Address the other nodes use (and partitions drop). */
    readonly address: string,
    readonly dir: string,
    readonly conn: SshConnection,
    /** Whether the login is root (else privileged ports move, and iptables goes through sudo -n). */
    readonly isRoot: boolean,
    private readonly ctx: SshHostContext,
    readonly clock?: RemoteClock,
    readonly disk?: HostDisk,
  ) {}

  port(base: number): number {
    return !this.isRoot && base < 1024 ? base + UNPRIVILEGED_PORT_SHIFT : base;
  }

  async endpoint(base: number): Promise<{ host: string; port: number }> {
    return { host: this.conn.remoteAddress, port: this.port(base) };
  }

  async peerEndpoint(_from: Host, base: number): Promise<{ host: string; port: number }> {
    return { host: this.address, port: this.port(base) };
  }

  async spawn(spec: ProcessSpec): Promise<HostProcess> {
    const { record, cleanup, logDir } = this.ctx;
    const env = this.clock ? { ...spec.env, ...this.clock.env(spec.env) } : spec.env;
    const proc = await SshProcess.start(this.conn, {
      spec: { ...spec, env }, cwd: spec.cwd ?? this.dir, remoteLog: path.posix.join(harnessFolder(this.dir), `${spec.name}.log`),
      localLog: path.join(logDir, `${this.name}-${spec.name}.log`), label: `${spec.name} on ${this.name}`,
    });
    record.addProcess(this.name, { pid: proc.pid, start: proc.startTime, name: `${this.name}/${spec.name}` });
    void proc.exited.then((exit) => exit && record.dropProcess(this.name, proc.pid));
    cleanup.add(`${spec.name} on ${this.name} (pid ${proc.pid})`, () => proc.stop());
    return proc;
  }

  exec(command: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
    if (!command) throw new HarnessError(`empty command for ${this.name}`);
    return this.conn.run(execCommand(command, args), { ...opts, what: [command, ...args].join(' ').slice(0, 120) });
  }

  writeFile(file: string, text: string): Promise<void> {
    return uploadFile(this.conn, file, text);
  }
}
