// Machines for the ssh runtime's tests, without any remote machine: a netns run (fl- namespaces on a
// reserved 10.77.k.0/24, in faultline's own ledger) whose every host runs its own sshd on its
// namespace address, with a host key, an authorized key and a config made for this run in the run's
// folder. sshd insists on its privilege-separation folder /run/sshd: each sshd gets a private tmpfs
// on /run inside its own mount namespace (which `ip netns exec` already gives it), so the machine's
// /run, /etc/ssh and root's ~/.ssh are never touched. A host can be made to lack ZooKeeper (and
// Java's jars) and libfaketime the same way: an empty tmpfs over /usr/share/java and libfaketime's
// folder in its mount namespace only.
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import ssh2 from 'ssh2';
import { Cleanup } from '../../harness/cleanup.ts';
import { libfaketimePath } from '../../harness/runtime/clock/fake-clock.ts';
import netns from '../../harness/runtime/netns/index.ts';
import type { NetnsHost } from '../../harness/runtime/netns/host.ts';
import { runCommand, waitFor } from '../../harness/runtime/process.ts';
import type { Runtime } from '../../harness/runtime/types.ts';

export interface SshdMachines {
  /** The netns run the machines live in. */
  runtime: Runtime;
  /** `sshdPid`: the machine's sshd, whose mount namespace is the machine's (mounts made over ssh are
   *  seen there only). */
  machines: { name: string; address: string; host: NetnsHost; sshdPid: number }[];
  /** The private key every sshd accepts. */
  keyFile: string;
  /** `root@a,root@b,…` for --hosts. */
  hostsList: string;
  /** Writes a hosts file with `lines` (default: one per machine, named) and returns its path. */
  hostsFile(lines?: string[], name?: string): string;
  stop(): Promise<string[]>;
}

function sshdConfig(dir: string, address: string): string {
  return [
    `ListenAddress ${address}`, 'Port 22', `HostKey ${dir}/host_key`, `AuthorizedKeysFile ${dir}/../authorized_keys`,
    'PidFile none', 'UsePAM no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password',
    'StrictModes no', 'Subsystem sftp internal-sftp', 'LogLevel INFO', '',
  ].join('\n');
}

/** Waits until the host's sshd accepts TCP connections. */
function listening(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port: 22 });
    s.setTimeout(500, () => (s.destroy(), resolve(false)));
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export async function startSshdMachines(names: string[], opts: { withoutJava?: string[]; logDir: string }): Promise<SshdMachines> {
  const cleanup = new Cleanup();
  try {
    const runtime = await netns.create({ hosts: names, logDir: opts.logDir, cleanup, log: () => {} });
    const runDir = path.dirname(runtime.hosts[0].dir);
    const client = ssh2.utils.generateKeyPairSync('ed25519');
    const keyFile = path.join(runDir, 'client_key');
    writeFileSync(keyFile, client.private, { mode: 0o600 });
    writeFileSync(path.join(runDir, 'authorized_keys'), `${client.public}\n`);
    const machines: SshdMachines['machines'] = [];
    for (const h of runtime.hosts as NetnsHost[]) {
      writeFileSync(path.join(h.dir, 'host_key'), ssh2.utils.generateKeyPairSync('ed25519').private, { mode: 0o600 });
      writeFileSync(path.join(h.dir, 'sshd_config'), sshdConfig(h.dir, h.address));
      const hide = opts.withoutJava?.includes(h.name) ? `mount -t tmpfs -o size=1m fl-nojava /usr/share/java && mount -t tmpfs -o size=1m fl-nofaketime ${path.dirname(libfaketimePath())} && ` : '';
      const sshd = await h.spawn({ name: 'sshd', command: 'sh', args: ['-c', `${hide}mount -t tmpfs -o size=1m,mode=755 fl-sshd /run && mkdir -m 755 /run/sshd && exec /usr/sbin/sshd -D -e -f ${h.dir}/sshd_config`] });
      machines.push({ name: h.name, address: h.address, host: h, sshdPid: sshd.pid });
    }
    await Promise.all(machines.map((m) => waitFor(`sshd on ${m.address}:22`, 10_000, () => listening(m.address), 50)));
    return {
      runtime, machines, keyFile,
      hostsList: machines.map((m) => `root@${m.address}`).join(','),
      hostsFile(lines = machines.map((m) => `root@${m.address} ${m.name}`), name = 'hosts.txt') {
        const file = path.join(runDir, name);
        writeFileSync(file, `# machines of test run ${runtime.runId}\n${lines.join('\n')}\n`);
        return file;
      },
      stop: () => cleanup.runAll(),
    };
  } catch (err) {
    await cleanup.runAll();
    throw err;
  }
}

/** What an ssh run left on the test machines: fl-<run> chains in each namespace, fl-<run> mounts in
 *  each machine's mount namespace, processes working in its folders, the folders themselves, resident
 *  shells' temp folders. */
export async function sshLeftovers(sshRunId: string, m: SshdMachines, remoteDir = '/tmp'): Promise<string[]> {
  const found: string[] = [];
  for (const { host, sshdPid } of m.machines) {
    const rules = await runCommand('ip', ['netns', 'exec', host.namespace, 'iptables-save'], { timeoutMs: 10_000 });
    for (const line of rules.stdout.split('\n')) if (line.includes(`fl-${sshRunId}`)) found.push(`${host.name}: iptables ${line}`);
    for (const line of readFileSync(`/proc/${sshdPid}/mounts`, 'utf8').split('\n')) if (line.startsWith(`fl-${sshRunId}-`)) found.push(`${host.name}: mount ${line}`);
  }
  const folder = path.join(remoteDir, `fl-${sshRunId}`);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    if (cwd === folder || cwd.startsWith(`${folder}/`)) found.push(`process ${pid} working in ${cwd}`);
  }
  try {
    readdirSync(folder);
    found.push(`folder ${folder}`);
  } catch {
    // gone, as it should be
  }
  // the resident shells' folders (only ssh runs make them; they go when the connection closes)
  for (const f of readdirSync('/tmp')) if (f.startsWith('fl-sh.')) found.push(`resident shell folder /tmp/${f}`);
  return found;
}
