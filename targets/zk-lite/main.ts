// Entry point for one zk-lite server process, started like a ZooKeeper JVM:
//   node --import tsx targets/zk-lite/main.ts --config zoo.cfg
// It reads zoo.cfg + dataDir/myid, serves until SIGTERM/SIGINT, and logs to stdout.
import { Command } from 'commander';
import { loadConfig } from './config.ts';
import { ZkLiteServer } from './server.ts';

async function main(): Promise<void> {
  const program = new Command('zk-lite')
    .description('a replicated ZooKeeper-protocol server (faultline target)')
    .requiredOption('--config <file>', 'zoo.cfg-style config (dataDir/myid gives this server id)')
    .parse(process.argv);
  const { config } = program.opts<{ config: string }>();
  let cfg;
  try {
    cfg = loadConfig(config);
  } catch (e) {
    process.stderr.write(`zk-lite: bad config ${config}: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} [myid:${cfg.myid}] ${msg}\n`);
  const server = new ZkLiteServer(cfg, log);
  await server.start();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    void server.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`zk-lite: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
