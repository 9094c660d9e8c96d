// The per-node zoo.cfg and JVM command line. Each node gets its own file because on some runtimes
// (local: links through a proxy) every node sees its peers at different addresses; the timing values
// are chosen for tests (DESIGN.md "Measured facts": tickTime 500 → a quorum serves in ~2 s and a new
// leader is elected ~3 s after the old one is cut off).
import type { HostRequirement } from '../../harness/runtime/types.ts';

export interface ServerLine {
  id: number;
  host: string;
  quorumPort: number;
  electionPort: number;
}

export interface ZooCfgInput {
  dataDir: string;
  clientAddress: string;
  clientPort: number;
  /** All servers of the ensemble as this node must dial them (its own line: where it binds). */
  servers: ServerLine[];
  tickTime: number;
  initLimit: number;
  syncLimit: number;
}

export const ZK_CLASSPATH = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-simple.jar'];
export const ZK_MAIN = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';

/** What a node's machine needs: a Java runtime and the two jars of the classpath (Debian packages). */
export const ZK_REQUIREMENTS: HostRequirement[] = [
  { what: 'java', test: 'command -v java', debian: 'default-jre-headless' },
  { what: `the ZooKeeper jar ${ZK_CLASSPATH[0]}`, test: `test -f ${ZK_CLASSPATH[0]}`, debian: 'libzookeeper-java' },
  { what: `the slf4j logging binding ${ZK_CLASSPATH[1]}`, test: `test -f ${ZK_CLASSPATH[1]}`, debian: 'libslf4j-java' },
];

export function zooCfg(c: ZooCfgInput): string {
  const lines = [
    `tickTime=${c.tickTime}`,
    `initLimit=${c.initLimit}`,
    `syncLimit=${c.syncLimit}`,
    `dataDir=${c.dataDir}`,
    `clientPort=${c.clientPort}`,
    `clientPortAddress=${c.clientAddress}`,
    // session timeouts clients may ask for: 2..20 ticks (1 s..10 s with tickTime 500)
    `minSessionTimeout=${2 * c.tickTime}`,
    `maxSessionTimeout=${20 * c.tickTime}`,
    'maxClientCnxns=0',
    '4lw.commands.whitelist=*',
    'admin.enableServer=false',
    'autopurge.purgeInterval=0',
    ...c.servers.map((s) => `server.${s.id}=${s.host}:${s.quorumPort}:${s.electionPort}`),
  ];
  return lines.join('\n') + '\n';
}

/** java arguments for one node: small serial-GC heap, fast re-election after partitions heal. */
export function jvmArgs(configFile: string, heapMb = 128): string[] {
  return [
    `-Xmx${heapMb}m`,
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.net.preferIPv4Stack=true',
    // without this a node that rejoins after a long partition may wait tens of seconds between
    // election notifications (default backs off to 60 s)
    '-Dzookeeper.fastleader.maxNotificationInterval=1000',
    // election connections to an unreachable peer give up after 1 s instead of 5 s
    '-Dzookeeper.cnxTimeout=1000',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS',
    '-cp',
    ZK_CLASSPATH.join(':'),
    ZK_MAIN,
    configFile,
  ];
}
