// Entry point of the uwsgi-lite server: `node --import tsx targets/uwsgi-lite/server/main.ts
// --socket HOST:PORT --processes N ... [--bug NAME]` starts the master, which forks the workers
// (worker.ts). A bad command line ends it with one line on stderr and exit 2.
import { Master } from './master.ts';
import { parseServerArgs } from './options.ts';

try {
  const options = parseServerArgs(process.argv.slice(2));
  process.title = `uwsgi-lite master ${options.socket}`;
  await new Master(options).start();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
