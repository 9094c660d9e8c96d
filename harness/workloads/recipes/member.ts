// One group member of the membership recipe as an OS process of its own (membership.ts starts it):
// a single ZooKeeper session that registers the member's node, so that SIGKILLing this process is a
// real death the server hears nothing about — only the session timeout removes the node.
//
// Protocol, one line each way: it answers its join with {id: 0, joined, session, code?}; then
// `hold <id>` (setData on its node: ok only while the node exists) and `close <id>` (delete the node,
// then close the session) on stdin, each answered by one JSON line on stdout carrying the request's
// id; unsolicited {session: 'disconnected' | 'expired'} lines report the session's fate. It exits when
// its stdin closes (the harness is gone).
//
// Usage: member.ts CONNECT_STRING SESSION_TIMEOUT_MS NODE_PATH EPHEMERAL|PERSISTENT
import zookeeper, { type Exception } from 'node-zookeeper-client';

/** node-zookeeper-client's NodeExists: the group's parent is already there. */
const NODE_EXISTS = -110;

const [connect, timeout, nodePath, mode] = process.argv.slice(2);
if (!connect || !nodePath || (mode !== 'EPHEMERAL' && mode !== 'PERSISTENT')) {
  process.stderr.write('usage: member.ts CONNECT_STRING SESSION_TIMEOUT_MS NODE_PATH EPHEMERAL|PERSISTENT\n');
  process.exit(2);
}

const say = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
const code = (e: Exception | null) => (e ? e.getCode() : 0);
const client = zookeeper.createClient(connect, { sessionTimeout: Number(timeout), spinDelay: 200, retries: 0 });

client.on('disconnected', () => say({ session: 'disconnected' }));
client.on('expired', () => say({ session: 'expired' }));
client.once('connected', () => {
  const session = client.getSessionId().toString('hex');
  client.mkdirp(nodePath.slice(0, nodePath.lastIndexOf('/')), (e1) => {
    if (e1 && code(e1) !== NODE_EXISTS) return say({ id: 0, joined: false, code: code(e1), session });
    client.create(nodePath, Buffer.from(session), zookeeper.CreateMode[mode], (e2) =>
      say(e2 ? { id: 0, joined: false, code: code(e2), session } : { id: 0, joined: true, session }));
  });
});
client.connect();

function command(line: string): void {
  const [cmd, n] = line.split(' ');
  const id = Number(n);
  if (cmd === 'hold') client.setData(nodePath, Buffer.from('alive'), -1, (e) => say({ id, held: !e, code: code(e) }));
  if (cmd === 'close') {
    client.remove(nodePath, -1, (e) => {
      say({ id, closed: !e || code(e) === -101, code: code(e) });
      client.close();
      setTimeout(() => process.exit(0), 500);
    });
  }
}

let buffered = '';
process.stdin.setEncoding('utf8').on('data', (d: string) => {
  buffered += d;
  for (let i; (i = buffered.indexOf('\n')) >= 0; buffered = buffered.slice(i + 1)) command(buffered.slice(0, i));
});
process.stdin.on('end', () => process.exit(0));
