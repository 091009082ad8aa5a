/**
 * `npm start`: Overture on this machine with a demo audience and the catalog journeys in
 * compressed time (see lib/local/demo-start.ts). `npm start -- --help` lists the options.
 */
import { Command, CommanderError } from 'commander';
import { CliExit, EXIT_BAD_INPUT } from '../lib/cli/io';
import { folderPath, portNumber, positiveNumber, wholeNumberUpTo } from '../lib/cli/option-values';
import { DEFAULT_DATA_DIR } from '../lib/local/data-files';
import { startDemo, type DemoStartOptions } from '../lib/local/demo-start';
import { DEFAULT_STACK_PORT } from '../lib/local/stack';

/** More would take the first start many minutes to seed, or run out of memory building the demo. */
const MAX_DEMO_CUSTOMERS = 100_000;
/** The demo's generator takes the seed as 32 bits: a larger one would repeat a smaller one's demo. */
const MAX_DEMO_SEED = 0xffff_ffff;

const program = new Command('npm start')
  .description('Overture on this machine: the local stack, a demo audience and the catalog journeys in compressed time')
  // Commander would exit with 1 on a bad option; a bad input exits with 2, as the overture CLI's do.
  .exitOverride()
  .showHelpAfterError()
  .option('--data <dir>', 'data folder', folderPath, DEFAULT_DATA_DIR)
  .option('--port <n>', 'port of the HTTP endpoint (consent API, stack control); 0 for a free one', portNumber, DEFAULT_STACK_PORT)
  .option('--rate <n>', 'virtual seconds per real second', positiveNumber, 3600)
  .option('--customers <n>', `demo customers on the first start (at most ${MAX_DEMO_CUSTOMERS})`, wholeNumberUpTo(MAX_DEMO_CUSTOMERS), 300)
  .option('--seed <n>', `seed of the demo on the first start (0–${MAX_DEMO_SEED})`, wholeNumberUpTo(MAX_DEMO_SEED), 42)
  .option('--reset', "delete the stack's data in the data folder first and start over (a folder holding other things and no stack data is refused)")
  .action((options: DemoStartOptions) => startDemo(options));

program.parseAsync(process.argv).then(
  () => process.stdout.write('', () => process.exit(0)),
  (error: unknown) => {
    // Commander has already said what was wrong with the options (or shown the help).
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
    // An exit the code expected says what to do; anything else shows where it happened.
    if (error instanceof CliExit) {
      process.stderr.write(`npm start: ${error.message}\n`);
      process.exit(error.status);
    }
    process.stderr.write(`npm start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
