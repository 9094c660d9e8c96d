// The plain-text four-letter words on the client port. The harness asks `srvr` (Mode: leader |
// follower) to find the leader, exactly as it asks real ZooKeeper, so the format follows ZooKeeper's.
import type { ZkLiteServer } from './server.ts';

const VERSION = '3.8.0-zk-lite';
const NOT_SERVING = 'This ZooKeeper instance is not currently serving requests\n';

function srvrLines(s: ZkLiteServer, withClients: boolean): string[] {
  let received = 0;
  let sent = 0;
  let outstanding = 0;
  for (const c of s.conns) { received += c.received; sent += c.sent; outstanding += c.outstanding; }
  const lines = [`Zookeeper version: ${VERSION}, built on 2026-11-25 00:00 UTC`];
  if (withClients) {
    lines.push('Clients:');
    for (const c of s.conns) lines.push(` /${c.remote}[1](queued=${c.outstanding},recved=${c.received},sent=${c.sent})`);
    lines.push('');
  }
  lines.push(
    'Latency min/avg/max: 0/0.0/0', `Received: ${received}`, `Sent: ${sent}`, `Connections: ${s.conns.size}`,
    `Outstanding: ${outstanding}`, `Zxid: 0x${s.tree.lastZxid.toString(16)}`, `Mode: ${s.mode()}`,
    `Node count: ${s.tree.nodes.size}`,
  );
  return lines;
}

function mntrLines(s: ZkLiteServer): string[] {
  let ephemerals = 0;
  for (const session of s.tree.sessions.values()) ephemerals += session.ephemerals.size;
  const lines: [string, string | number][] = [
    ['zk_version', VERSION], ['zk_server_state', s.mode()], ['zk_num_alive_connections', s.conns.size],
    ['zk_outstanding_requests', 0], ['zk_znode_count', s.tree.nodes.size], ['zk_watch_count', s.watches.count()],
    ['zk_ephemerals_count', ephemerals], ['zk_uptime', Date.now() - s.startedAt],
    ['zk_lite_term', s.raft.term], ['zk_lite_commit_index', s.raft.commitIndex],
    ['zk_lite_last_zxid', `0x${s.tree.lastZxid.toString(16)}`], ['zk_lite_bugs', [...s.cfg.bugs].join(',') || 'none'],
  ];
  if (s.raft.role === 'leader') lines.push(['zk_followers', s.cfg.servers.length - 1]);
  return lines.map(([k, v]) => `${k}\t${v}`);
}

/** The text a four-letter word gets; the connection is closed after it. */
export function fourLetterWordText(word: string, s: ZkLiteServer): string {
  if (word === 'ruok') return 'imok';
  const serving = s.serving();
  switch (word) {
    case 'isro': return serving ? 'rw' : 'null';
    case 'srvr': return serving ? srvrLines(s, false).join('\n') + '\n' : NOT_SERVING;
    case 'stat': return serving ? srvrLines(s, true).join('\n') + '\n' : NOT_SERVING;
    case 'mntr': return serving ? mntrLines(s).join('\n') + '\n' : NOT_SERVING;
    case 'conf': return [`clientPort=${s.cfg.clientPort}`, `dataDir=${s.cfg.dataDir}`, `tickTime=${s.cfg.tickTime}`,
      `serverId=${s.cfg.myid}`, ...s.cfg.servers.map((p) => `server.${p.id}=${p.host}:${p.peerPort}:${p.electionPort}`)].join('\n') + '\n';
    case 'wchs': return `${s.watches.count()} watches\n`;
    case 'cons': return [...s.conns].map((c) => ` /${c.remote}[1](queued=${c.outstanding},recved=${c.received},sent=${c.sent})`).join('\n') + '\n';
    default: return `${word} is not supported by zk-lite\n`;
  }
}
