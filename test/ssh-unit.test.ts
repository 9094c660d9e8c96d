// The pure parts of the ssh runtime, and its remote scripts run for real under the local sh: hosts
// file parsing and role assignment, host key checks against known_hosts files that OpenSSH's own
// ssh-keygen wrote (hashed entries, fingerprints), credentials, the preflight probe's parsing, the
// iptables text, and the spawn / pause / sweep scripts on real processes of this machine.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { UsageError } from '../harness/errors.ts';
import { chainRulesScript, chainSetupScript } from '../harness/net/iptables.ts';
import { pidStartTime, processState, runCommand, waitFor } from '../harness/runtime/process.ts';
import { checkHostKey, fingerprint, knownHostsLine, parseKnownHosts, preferredAlgorithms } from '../harness/runtime/ssh/known-hosts.ts';
import { assignRoles, parseDestination, parseHostsFile, parseHostsList } from '../harness/runtime/ssh/machines.ts';
import { describeMissing, parseProbe, PROBE_SCRIPT } from '../harness/runtime/ssh/preflight.ts';
import { exitOf } from '../harness/runtime/ssh/process.ts';
import { credentialsOf, resolveSettings, settingsFlags } from '../harness/runtime/ssh/settings.ts';
import { execCommand, PAUSE_SCRIPT, quote, shCommand, SPAWN_SCRIPT, spawnArgs, SWEEP_SCRIPT } from '../harness/runtime/ssh/shell.ts';
import { describeTimes, seatAddresses } from '../harness/runtime/ssh/index.ts';
import { sshSettings, type SshFlags } from '../harness/commands/ssh-flags.ts';
import { MAX_RESIDENT_SHELLS, ShellPool } from '../harness/runtime/ssh/resident-shell.ts';
import { EventEmitter } from 'node:events';
import type { ClientChannel } from 'ssh2';
import { SshHost, UNPRIVILEGED_PORT_SHIFT, type SshHostContext } from '../harness/runtime/ssh/host.ts';
import type { SshConnection } from '../harness/runtime/ssh/connection.ts';

const usage = (re: RegExp) => (err: unknown) => err instanceof UsageError && re.test(err.message);
/** What sshd does with an exec request: the login shell runs the string. */
const asLoginShell = (command: string, opts: { input?: string; cwd?: string } = {}) => runCommand('bash', ['-c', command], { timeoutMs: 10_000, ...opts });

describe('ssh runtime: machines', () => {
  it('parses destinations: user, host, port, IPv6 in brackets; rejects the rest', () => {
    assert.deepEqual(parseDestination('admin@10.0.0.1:2222', 'me'), { user: 'admin', host: '10.0.0.1', port: 2222 });
    assert.deepEqual(parseDestination('vm1.example.com', 'me'), { user: 'me', host: 'vm1.example.com', port: 22 });
    assert.deepEqual(parseDestination('root@[fe80::1]:2200', 'me'), { user: 'root', host: 'fe80::1', port: 2200 });
    assert.deepEqual(parseDestination('fe80::1', 'me'), { user: 'me', host: 'fe80::1', port: 22 });
    for (const bad of ['', '@host', 'a@b@', 'host:0', 'host:70000', 'host:x', 'ho st', 'root@', 'h:1:x']) assert.equal(parseDestination(bad, 'me'), undefined, bad);
  });

  it('reads a hosts file: comments, names, address=, and says which line is wrong', () => {
    const text = '# the cluster\nadmin@203.0.113.10 n1 address=10.0.0.11\n\n203.0.113.11:2222   # no name\n';
    assert.deepEqual(parseHostsFile(text, 'h.txt', 'me'), [
      { user: 'admin', host: '203.0.113.10', port: 22, name: 'n1', address: '10.0.0.11', origin: 'h.txt:2' },
      { user: 'me', host: '203.0.113.11', port: 2222, origin: 'h.txt:4' },
    ]);
    assert.deepEqual(parseHostsFile('a n1\r\nb\r\n', 'dos.txt', 'me').map((m) => [m.host, m.name]), [['a', 'n1'], ['b', undefined]], 'CRLF line ends');
    assert.throws(() => parseHostsFile('a\nb\na:22\n', 'h.txt', 'me'), usage(/^h\.txt:3: a:22 is listed twice \(also h\.txt:1\)$/));
    assert.throws(() => parseHostsFile('a n1\nb n1\n', 'h.txt', 'me'), usage(/^h\.txt:2: name 'n1' is used twice \(also h\.txt:1\)$/));
    assert.throws(() => parseHostsFile('a\nb x=1\n', 'h.txt', 'me'), usage(/^h\.txt:2: unexpected 'x=1'/));
    assert.throws(() => parseHostsFile('a n1 n2\n', 'h.txt', 'me'), usage(/^h\.txt:1: unexpected 'n2'/));
    assert.throws(() => parseHostsFile('a address=vm1\n', 'h.txt', 'me'), usage(/not an IPv4 address/));
    assert.throws(() => parseHostsFile('bad@@x\n', 'h.txt', 'me'), usage(/^h\.txt:1: 'bad@@x' is not \[user@\]host\[:port\]$/));
    assert.throws(() => parseHostsFile('# nothing\n', 'h.txt', 'me'), usage(/no hosts in it/));
    assert.throws(() => parseHostsList('a,b,a', 'me'), usage(/--hosts #3: a:22 is listed twice/));
    assert.throws(() => parseHostsList('a,,b', 'me'), usage(/--hosts: '' \(#2\)/));
  });

  it('gives each target host a machine: names first, the rest in file order', () => {
    const ms = parseHostsFile('m1\nm2 app\nm3\n', 'h', 'me');
    assert.deepEqual(assignRoles(['nginx', 'app'], ms).map((m) => m.host), ['m1', 'm2']);
    assert.deepEqual(assignRoles(['n1', 'n2', 'n3'], ms).map((m) => m.host), ['m1', 'm2', 'm3']);
    const named = parseHostsFile('x n3\ny n1\nz n2\n', 'h', 'me');
    assert.deepEqual(assignRoles(['n1', 'n2', 'n3'], named).map((m) => m.host), ['y', 'z', 'x']);
    assert.throws(() => assignRoles(['n1', 'n2', 'n3'], ms.slice(0, 2)), usage(/needs 3 hosts \(n1, n2, n3\) but 2 are given/));
  });
});

describe('ssh runtime: host keys', () => {
  let dir: string;
  const keys = () => {
    const k = ssh2.utils.generateKeyPairSync('ed25519');
    const blob = Buffer.from(k.public.split(' ')[1], 'base64');
    return { ...k, blob };
  };
  before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'fl-sshkeys-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fingerprints a key exactly as ssh-keygen -l does', async () => {
    const k = keys();
    writeFileSync(path.join(dir, 'k.pub'), `${k.public}\n`);
    const r = await runCommand('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(dir, 'k.pub')], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split(' ')[1], fingerprint(k.blob));
  });

  it('matches plain, [host]:port, wildcard and ssh-keygen-hashed entries; a different key is refused', async () => {
    const [a, b, c] = [keys(), keys(), keys()];
    const file = path.join(dir, 'known_hosts');
    writeFileSync(file, [knownHostsLine('10.0.0.1', 22, a.blob), knownHostsLine('vm2', 2222, b.blob), `*.lab,!bad.lab ${c.public}`, ''].join('\n'));
    const hash = await runCommand('ssh-keygen', ['-H', '-f', file], { timeoutMs: 10_000 });
    assert.equal(hash.code, 0, hash.stderr);
    const hashed = readFileSync(file, 'utf8');
    assert.match(hashed, /^\|1\|/m, 'ssh-keygen hashed the entries');
    for (const entries of [parseKnownHosts(hashed)]) {
      assert.deepEqual(checkHostKey(entries, '10.0.0.1', 22, a.blob, file), { ok: true });
      assert.deepEqual(checkHostKey(entries, 'vm2', 2222, b.blob, file), { ok: true });
      const changed = checkHostKey(entries, '10.0.0.1', 22, b.blob, file);
      assert.ok(!changed.ok && /differs from the one for 10\.0\.0\.1/.test(changed.why), JSON.stringify(changed));
      const unknown = checkHostKey(entries, 'vm2', 22, b.blob, file);
      assert.ok(!unknown.ok && /vm2 is not in/.test(unknown.why), JSON.stringify(unknown));
    }
    const plain = parseKnownHosts(`*.lab,!bad.lab ${c.public}\n@revoked * ${b.public}\n`);
    assert.deepEqual(checkHostKey(plain, 'x.lab', 22, c.blob, 'f'), { ok: true });
    assert.equal(checkHostKey(plain, 'bad.lab', 22, c.blob, 'f').ok, false);
    const revoked = checkHostKey(plain, 'x.lab', 22, b.blob, 'f');
    assert.ok(!revoked.ok && /@revoked/.test(revoked.why));
    assert.deepEqual(preferredAlgorithms(parseKnownHosts(`h ssh-rsa AAAA\nh ${a.public}\n`), 'h'), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
  });

  it('takes a private key file or the agent, and refuses encrypted or public keys with what to do', () => {
    const k = keys();
    writeFileSync(path.join(dir, 'id'), k.private);
    writeFileSync(path.join(dir, 'id.pub'), k.public);
    const enc = ssh2.utils.generateKeyPairSync('ed25519', { passphrase: 'secret', cipher: 'aes256-cbc', rounds: 4 } as never);
    writeFileSync(path.join(dir, 'enc'), enc.private);
    assert.equal(credentialsOf(path.join(dir, 'id')).kind, 'key');
    assert.deepEqual(credentialsOf(undefined, '/run/agent.sock'), { kind: 'agent', socket: '/run/agent.sock' });
    assert.throws(() => credentialsOf(undefined, undefined), usage(/needs a key: --ssh-key FILE, or an ssh-agent/));
    assert.throws(() => credentialsOf(path.join(dir, 'enc')), usage(/encrypted; add it to ssh-agent/));
    assert.throws(() => credentialsOf(path.join(dir, 'id.pub')), usage(/public key; give the private one/));
    assert.throws(() => credentialsOf(path.join(dir, 'nope')), usage(/--ssh-key .*nope: cannot read it \(ENOENT\)/));
  });

  it('flags: naming machines implies --runtime ssh; ssh flags with another runtime are refused', () => {
    const o: SshFlags = { hosts: 'a,b' };
    assert.deepEqual(sshSettings(o), { hostsFile: undefined, hosts: 'a,b', key: undefined, knownHosts: undefined, install: undefined, remoteDir: undefined });
    assert.equal(o.runtime, 'ssh');
    assert.equal(sshSettings({ runtime: 'netns' }), undefined);
    assert.throws(() => sshSettings({ runtime: 'docker', hostsFile: 'h' }), usage(/^--hosts-file is for --runtime ssh, not docker$/));
    assert.throws(() => sshSettings({ install: true }), usage(/--install is for --runtime ssh \(and needs --hosts-file or --hosts\)/));
  });

  it('settings: one source of machines, an absolute remote dir, and the flags that replay them', () => {
    const k = path.join(dir, 'id');
    assert.throws(() => resolveSettings({ key: k }), usage(/needs the machines/));
    assert.throws(() => resolveSettings({ hosts: 'a', hostsFile: 'f', key: k }), usage(/either --hosts-file or --hosts/));
    assert.throws(() => resolveSettings({ hosts: 'a', key: k, remoteDir: 'tmp' }), usage(/absolute path/));
    assert.equal(resolveSettings({ hosts: 'a', key: k }).remoteDir, '/tmp');
    assert.equal(settingsFlags({ hosts: 'a,b', key: k, remoteDir: '/srv' }), `--hosts a,b --ssh-key ${k} --remote-dir /srv`);
  });
});

describe('ssh runtime: remote commands', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fl-sshsh-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes any argument through the login shell and sh unchanged', async () => {
    const nasty = ["it's", 'a "b" $HOME `x` \\', '', '*', 'line\nbreak'];
    const r = await asLoginShell(execCommand('printf', ['[%s]', ...nasty]));
    assert.equal(r.stdout, nasty.map((a) => `[${a}]`).join(''));
    assert.equal(quote('plain-1.2:3'), 'plain-1.2:3');
    const fed = await asLoginShell(shCommand('cat > "$1" && echo "$PATH"', [path.join(dir, 'in')]), { input: 'hello' });
    assert.equal(readFileSync(path.join(dir, 'in'), 'utf8'), 'hello');
    assert.match(fed.stdout, /\/usr\/sbin/, 'sbin folders are on PATH for non-root logins');
  });

  it('spawns a daemon in its own session: pid and start time at once, the exit status when it ends', async () => {
    const child = spawn('bash', ['-c', shCommand(SPAWN_SCRIPT, spawnArgs(dir, path.join(dir, 'd.log'), { GREETING: 'hi there' }, 'sh', ['-c', 'echo "$GREETING from $(pwd)"; sleep 30']))], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const line = await waitFor('the pid line', 5000, () => /^pid (\d+) (\d+)\n/.exec(out) ?? undefined);
    const pid = Number(line[1]);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
    assert.equal(Number(stat[3]), pid, 'the daemon leads its own session');
    assert.equal(Number(stat[19]), Number(line[2]), 'the start time is the kernel\'s');
    await waitFor('the daemon log', 5000, () => readFileSync(path.join(dir, 'd.log'), 'utf8').includes(`hi there from ${dir}`));
    process.kill(pid, 'SIGTERM');
    await new Promise((r) => child.once('close', r));
    assert.match(out, /\nexit 143\n$/);
    assert.deepEqual(exitOf(143), { code: null, signal: 'SIGTERM' });
    assert.deepEqual(exitOf(3), { code: 3, signal: null });
  });

  it('pauses until the kernel shows the process stopped', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const r = await asLoginShell(shCommand(PAUSE_SCRIPT, [String(sleeper.pid)]));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(processState(sleeper.pid!), 'T');
      assert.equal((await asLoginShell(shCommand(PAUSE_SCRIPT, ['999999999']))).code, 0, 'a process already gone is not an error');
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('sweeps what a run left: recorded daemons with their group, anything working in the run folder, nothing else', async () => {
    const run = path.join(dir, 'fl-test');
    mkdirSync(path.join(run, 'n1'), { recursive: true });
    const spawnIn = (cwd: string) => spawn('sh', ['-c', 'sleep 30 & sleep 30'], { cwd, stdio: 'ignore', detached: true });
    const inside = spawnIn(path.join(run, 'n1'));
    const outside = spawn('sleep', ['30'], { cwd: dir, stdio: 'ignore' });
    const recorded = spawn('sleep', ['30'], { cwd: dir, stdio: 'ignore', detached: true });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const r = await asLoginShell(shCommand(SWEEP_SCRIPT, [run, `${outside.pid}:1`, `${recorded.pid}:${pidStartTime(recorded.pid!)}`]));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`killed ${inside.pid} \\(working in ${run}/n1\\)`));
      assert.match(r.stdout, new RegExp(`killed ${recorded.pid} \\(recorded daemon\\)`));
      assert.equal(processState(outside.pid!), 'S', 'a recorded pid whose start time differs is someone else: left alone');
      const gone = await waitFor('the swept processes to be reaped', 5000, () => inside.exitCode !== null || inside.signalCode !== null);
      assert.ok(gone);
    } finally {
      for (const p of [outside, inside, recorded]) p.kill('SIGKILL');
    }
  });
});

/** A local bash running what sshd would run for an exec request, dressed as the channel ssh2 gives. */
function localChannel(command: string): ClientChannel {
  const child = spawn('bash', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  const channel = Object.assign(new EventEmitter(), {
    stderr: child.stderr,
    write: (d: string) => child.stdin.write(d),
    end: () => child.stdin.end(),
    close: () => child.kill('SIGKILL'),
  });
  child.stdout.on('data', (d: Buffer) => channel.emit('data', d));
  child.on('close', () => channel.emit('close'));
  return channel as unknown as ClientChannel;
}

describe('ssh runtime: resident shells', () => {
  const tmpFolders = () => readdirSync(os.tmpdir()).filter((f) => f.startsWith('fl-sh.'));
  let before0: string[];
  let pool: ShellPool;
  let opened = 0;
  beforeEach(() => {
    before0 = tmpFolders();
    opened = 0;
    pool = new ShellPool({
      label: 'local',
      open: async (command) => (opened++, localChannel(command)),
      execOnce: (command, opts) => asLoginShell(command, { input: opts.input }),
    });
  });
  afterEach(() => pool.close());

  it('run commands with stdin, exact stdout/stderr bytes and exit codes, reusing a started shell', async () => {
    const a = await pool.run(shCommand('cat; printf "\\0tail"; echo oops >&2; exit 3'), { timeoutMs: 10_000, input: 'x'.repeat(100_000), what: 'cat' });
    assert.deepEqual([a.code, a.stdout.length, a.stdout.endsWith('\0tail'), a.stderr], [3, 100_005, true, 'oops\n']);
    const b = await pool.run(execCommand('printf', ['[%s]', "it's", '']), { timeoutMs: 10_000, what: 'printf' });
    assert.deepEqual(b, { code: 0, stdout: "[it's][]", stderr: '' });
    assert.equal(opened, 1, 'one shell served both');
  });

  it('runs at most MAX_RESIDENT_SHELLS at once, kills a command at its deadline and carries on', async () => {
    const t0 = Date.now();
    const rs = await Promise.all(Array.from({ length: 2 * MAX_RESIDENT_SHELLS }, (_, i) => pool.run(shCommand('sleep 0.3; echo $1', [String(i)]), { timeoutMs: 10_000, what: 'sleep' })));
    assert.deepEqual(rs.map((r) => r.stdout.trim()), Array.from({ length: 2 * MAX_RESIDENT_SHELLS }, (_, i) => String(i)));
    assert.equal(opened, MAX_RESIDENT_SHELLS);
    assert.ok(Date.now() - t0 >= 600, 'the second half waited for free shells');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fl-sshpool-'));
    try {
      await assert.rejects(pool.run(shCommand('echo $$ > "$1"; sleep 30 & sleep 30', [path.join(dir, 'pid')]), { timeoutMs: 500, what: 'a stuck sleep' }), /timed out after 0\.5s running a stuck sleep on local/);
      const pid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
      await waitFor('the stuck command to be killed', 5000, () => processState(pid) === undefined);
      assert.equal((await pool.run(shCommand('echo fine'), { timeoutMs: 10_000, what: 'echo' })).stdout, 'fine\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a closed pool leaves no temp folder behind', async () => {
    await pool.run(shCommand('true'), { timeoutMs: 10_000, what: 'true' });
    assert.ok(tmpFolders().some((f) => !before0.includes(f)), 'the shell has its folder while it runs');
    pool.close();
    await waitFor('the shell folders to go', 5000, () => tmpFolders().filter((f) => !before0.includes(f)).length === 0);
  });
});

describe('ssh runtime: preflight and the rest', () => {
  it('parses the probe and says what is missing, with the packages that bring it', async () => {
    const needs = [{ what: 'sh', test: 'command -v sh', debian: 'dash' }, { what: 'the flux capacitor', test: 'test -f /nonexistent/flux', debian: 'flux' }];
    const r = await asLoginShell(shCommand(PROBE_SCRIPT, ['/tmp', ...needs.map((n) => n.test)]));
    const p = parseProbe(r.stdout, needs);
    assert.equal(p.uid, process.getuid!());
    assert.equal(p.dirWritable, true);
    assert.deepEqual(p.missing.map((m) => m.what), ['the flux capacitor']);
    assert.ok(p.addresses?.includes('127.0.0.1'), `local addresses: ${p.addresses}`);
    assert.equal(describeMissing('n2 (root@h:22)', p.missing, true), 'n2 (root@h:22) lacks the flux capacitor; run with --install (apt-get install flux) or install it');
    assert.throws(() => parseProbe('garbage', needs), /unexpected answer/);
  });

  it('node addresses: address= or the dialled IP, which must be the machine\'s own; never the harness\'s; one machine per host', () => {
    const conn = (remote: string, local: string, key: string) => ({ remoteAddress: remote, localAddress: local, hostKey: Buffer.from(key), label: `m(${remote})` }) as unknown as SshConnection;
    const probe = (addresses: string[] | undefined) => ({ uid: 0, sudo: true, addresses, dirWritable: true, missing: [] });
    const ms = parseHostsFile('203.0.113.1 address=10.0.0.1\n10.0.0.2\n', 'h', 'root');
    const seats = seatAddresses(['n1', 'n2'], ms, [conn('203.0.113.1', '198.51.100.7', 'k1'), conn('::ffff:10.0.0.2', '10.0.0.9', 'k2')], [probe(['10.0.0.1']), probe(undefined)]);
    assert.deepEqual(seats.map((x) => x.address), ['10.0.0.1', '10.0.0.2']);
    assert.throws(() => seatAddresses(['n1'], ms.slice(1), [conn('10.0.0.2', '10.0.0.9', 'k')], [probe(['10.0.0.5'])]), usage(/10\.0\.0\.2 is not an address of this machine \(it has 10\.0\.0\.5\); give the one its peers reach it at with address=/));
    assert.throws(() => seatAddresses(['n1', 'n2'], ms, [conn('203.0.113.1', '10.0.0.2', 'k1'), conn('10.0.0.2', '10.0.0.2', 'k2')], [probe(undefined), probe(undefined)]), usage(/the harness reaches .* from 10\.0\.0\.2, which is node n2's address: partitions would cut the harness off/));
    assert.throws(() => seatAddresses(['n1', 'n2'], ms, [conn('203.0.113.1', '10.0.0.9', 'same'), conn('10.0.0.2', '10.0.0.9', 'same')], [probe(undefined), probe(undefined)]), usage(/are the same machine \(same host key/));
  });

  it('partition rules drop exactly the given node addresses in one commit', () => {
    assert.equal(chainRulesScript('fl-ab12', ['10.0.0.2', '10.0.0.3']), '*filter\n-F fl-ab12\n-A fl-ab12 -s 10.0.0.2/32 -j DROP -m comment --comment fl-ab12\n-A fl-ab12 -s 10.0.0.3/32 -j DROP -m comment --comment fl-ab12\nCOMMIT\n');
    assert.equal(chainSetupScript('fl-ab12'), '*filter\n:fl-ab12 - [0:0]\n-I INPUT -j fl-ab12 -m comment --comment fl-ab12\nCOMMIT\n');
  });

  it('moves privileged ports up for non-root logins (nginx on 8080), keeps the rest, and summarises apply times', async () => {
    const host = (isRoot: boolean) => new SshHost('n1', '10.0.0.1', '/tmp/fl-x/n1', { remoteAddress: '203.0.113.1' } as SshConnection, isRoot, {} as SshHostContext);
    assert.deepEqual([host(false).port(80), host(false).port(2181), host(true).port(80)], [80 + UNPRIVILEGED_PORT_SHIFT, 2181, 80]);
    assert.deepEqual(await host(false).endpoint(80), { host: '203.0.113.1', port: 8080 }, 'the harness dials the address it reached');
    assert.deepEqual(await host(false).peerEndpoint(host(false), 2888), { host: '10.0.0.1', port: 2888 }, 'nodes use the node address');
    assert.equal(describeTimes([30, 10, 20, 400]), 'median 20 ms, max 400 ms');
  });
});
