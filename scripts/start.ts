/**
 * `npm start`: Overture on this machine with a demo audience and the catalog journeys in
 * compressed time (see lib/local/demo-start.ts). `npm start -- --help` lists the options.
 */
import { Command, InvalidArgumentError } from 'commander';
import { CliExit } from '../lib/cli/io';
import { DEFAULT_DATA_DIR } from '../lib/local/data-files';
import { startDemo, type DemoStartOptions } from '../lib/local/demo-start';
import { DEFAULT_STACK_PORT } from '../lib/local/stack';

function wholeNumber(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return number;
}

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('must be a positive number');
  return number;
}

const program = new Command('npm start')
  .description('Overture on this machine: the local stack, a demo audience and the catalog journeys in compressed time')
  .option('--data <dir>', 'data folder', DEFAULT_DATA_DIR)
  .option('--port <n>', 'port of the HTTP endpoint (consent API, stack control)', wholeNumber, DEFAULT_STACK_PORT)
  .option('--rate <n>', 'virtual seconds per real second', positiveNumber, 3600)
  .option('--customers <n>', 'demo customers on the first start', wholeNumber, 300)
  .option('--seed <n>', 'seed of the demo on the first start', wholeNumber, 42)
  .option('--reset', 'delete the data folder first and start over')
  .action((options: DemoStartOptions) => startDemo(options));

program.parseAsync(process.argv).then(
  () => process.stdout.write('', () => process.exit(0)),
  (error: unknown) => {
    // An exit the code expected says what to do; anything else shows where it happened.
    if (error instanceof CliExit) {
      process.stderr.write(`npm start: ${error.message}\n`);
      process.exit(error.status);
    }
    process.stderr.write(`npm start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
