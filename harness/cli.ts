// The `faultline` command. Each subcommand lives in harness/commands/<name>.ts and registers itself on
// the program; this file only wires them together and turns errors into exit codes (DESIGN.md):
// 0 valid, 1 violation found, 2 unknown / bad input / harness error — one clear line, no stack trace.
import { Command, CommanderError } from 'commander';
import { UsageError, HarnessError } from './errors.ts';

export type Register = (program: Command) => void;

const COMMANDS = [
  'check',
  'scenario',
  'list',
  'report',
  'clean',
  'proxy',
  'compare',
  'campaign',
] as const;

async function main(argv: string[]): Promise<void> {
  const program = new Command('faultline')
    .description('Jepsen-style fault injection and conformance checks for ZooKeeper and uWSGI/nginx')
    // commander's own usage errors (a missing option, an unknown command) come back as CommanderError
    // and are printed below as one line like every other usage error; help still goes to stdout
    .configureOutput({ outputError: () => {}, writeErr: () => {} })
    .exitOverride();
  // Only the command being run loads: a broken module elsewhere must not take `clean` down with it,
  // and `check` must not pay for importing what `scenario` or `campaign` need. Help and an unknown
  // command load every command so the listing and commander's suggestion are complete.
  const wanted = argv.slice(2).find((a) => !a.startsWith('-'));
  const known = (COMMANDS as readonly string[]).includes(wanted ?? '');
  for (const name of known ? [wanted as string] : COMMANDS) {
    let mod: { register?: Register };
    try {
      mod = await import(`./commands/${name}.ts`);
    } catch (err) {
      if (name === wanted) throw err;
      continue;
    }
    mod.register?.(program);
  }
  await program.parseAsync(argv);
}

/** Every usage or harness error ends the same way: one line on stderr, exit 2. */
function fail(message: string): never {
  process.stderr.write(`faultline: ${message.trim().replace(/\s*\n\s*/g, '; ')}\n`);
  process.exit(2);
}

// `faultline list | head`: a reader that goes away early is not an error worth a stack trace
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // help and version exit 0; every usage mistake is one line and exit 2
    if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    if (err.code === 'commander.help') fail(`name a command: ${COMMANDS.join(', ')} (faultline --help for more)`);
    fail(`${err.message.replace(/^error: /, '')} (faultline --help for usage)`);
  }
  if (err instanceof UsageError || err instanceof HarnessError) fail(err.message);
  if (process.env.FAULTLINE_DEBUG) console.error(err);
  fail(err instanceof Error ? err.message : String(err));
});
