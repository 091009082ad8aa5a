/**
 * The `overture` command line (commander): each command lives in its own module; this one only
 * declares the commands and options and turns errors into exit statuses (see io.ts).
 */
import { Command, CommanderError, Option } from 'commander';
import { CliExit, EXIT_BAD_INPUT, EXIT_FAILURE, processIO, type CliIO } from './io';
import { folderPath, outputFolderPath, portNumber, positiveNumber } from './option-values';
import type { LaunchOptions, ReceiveSmsOptions, SendEventOptions } from './stack-commands';
import { DEFAULT_DATA_DIR } from '../local/data-files';

// Commands are loaded when they run: `status` and `why` should not pay for loading the CDK.
const commands = {
  schema: () => import('./schema-command'),
  simulate: () => import('./simulate-command'),
  stack: () => import('./stack-commands'),
  erase: () => import('./erase-command'),
};

/** The program, writing to `io`. */
export function buildProgram(io: CliIO): Command {
  const program = new Command('overture')
    .description('Overture on one machine: the local stack, simulations and its data')
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    .exitOverride()
    .showHelpAfterError();
  const dataOption = (): Option => new Option('--data <dir>', 'the local stack\'s data folder').default(DEFAULT_DATA_DIR).argParser(folderPath);
  const cdkOutOption = (): Option => new Option('--cdk-out <dir>', 'where the synthesized cloud assembly is written').default('cdk.out').argParser(outputFolderPath);

  program
    .command('simulate')
    .description('dry-run journeys for a scenario under a virtual clock and write the report')
    .argument('<scenario>', 'scenario file (JSON; see "overture schema scenario")')
    .option('--out <report>', 'write the report here instead of stdout')
    .option('--quiet', 'no progress on stderr')
    .addOption(cdkOutOption())
    .action(async (scenario: string, options: { out?: string; quiet?: boolean; cdkOut: string }) =>
      (await commands.simulate()).simulateCommand(io, scenario, { out: options.out, quiet: options.quiet, outdir: options.cdkOut }),
    );

  program
    .command('schema')
    .description('print the JSON Schema of a scenario or report file')
    .argument('<file>', 'scenario or report')
    .action(async (name: string) => (await commands.schema()).schemaCommand(io, name));

  program
    .command('serve')
    .description('run the local stack and its HTTP endpoints until Ctrl-C (no demo traffic)')
    .option('--port <n>', 'port of the HTTP endpoint (consent API, stack control); 0 for a free one', portNumber, 8787)
    .option('--rate <n>', 'virtual seconds per real second', positiveNumber, 1)
    .addOption(dataOption())
    .addOption(cdkOutOption())
    .option('--json', 'print the URLs as JSON')
    .action(async (options: { port: number; rate: number; data: string; cdkOut: string; json?: boolean }) => (await commands.stack()).serveCommand(io, options));

  program
    .command('send-event')
    .description('send one customer event, as the event bus would deliver it')
    .argument('<name>', 'event name, e.g. signed_up, order_placed')
    .requiredOption('--customer <id>', 'customer id')
    .option('--at <instant>', 'when it happened (ISO 8601); default: the stack\'s virtual now')
    .option('--event-id <id>', 'the producer\'s event id (repeating it starts nothing twice)')
    .option('--touchpoint <touchpoint>', 'web, store, phone, mail, email, sms, app or import')
    .option('--attributes <json>', 'attributes learnt, as a JSON object')
    .option('--profile <json>', 'profile fields, as a JSON object (timezone, email, phone, address, stage)')
    .option('--consents <json>', 'consents given or withdrawn, as a JSON array, e.g. [{"channel":"email","topic":"marketing","status":"granted","proof":{"source":"web-form"}}]')
    .option('--preferences <json>', 'preferences, as a JSON object')
    .addOption(dataOption())
    .addOption(cdkOutOption())
    .option('--json', 'print the outcome as JSON')
    .action(async (name: string, options: SendEventOptions) => (await commands.stack()).sendEventCommand(io, name, options));

  program
    .command('receive-sms')
    .description('a text from a customer\'s phone, as End User Messaging delivers it: YES confirms an SMS opt-in, STOP revokes, START opts back in, HELP answers (replies go to the SMS outbox)')
    .argument('<text>', 'what the text says, e.g. YES or STOP')
    .requiredOption('--from <number>', 'the customer\'s phone number, E.164 (e.g. +12125550143)')
    .addOption(dataOption())
    .addOption(cdkOutOption())
    .option('--json', 'print the outcome as JSON')
    .action(async (text: string, options: ReceiveSmsOptions) => (await commands.stack()).receiveSmsCommand(io, text, options));

  program
    .command('launch')
    .description('launch a journey for an audience file (CSV with a customerId column)')
    .argument('<journey>', 'journey id of the catalog')
    .requiredOption('--audience <file>', 'audience CSV file')
    .option('--id <launchId>', 'launch id; default: from the journey and the audience\'s customer ids and entry keys (however the file is saved), so the same audience starts nothing twice')
    .addOption(dataOption())
    .addOption(cdkOutOption())
    .option('--json', 'print the outcome as JSON')
    .action(async (journey: string, options: LaunchOptions) => (await commands.stack()).launchCommand(io, journey, options));

  program
    .command('status')
    .description('executions by journey and state')
    .addOption(dataOption())
    .option('--json', 'print as JSON')
    .action(async (options: { data: string; json?: boolean }) => (await commands.stack()).statusCommand(io, options));

  program
    .command('why')
    .description('every decision and send for one customer, in time order')
    .argument('<customer>', 'customer id')
    .addOption(dataOption())
    .option('--json', 'print as JSON')
    .action(async (customer: string, options: { data: string; json?: boolean }) => (await commands.stack()).whyCommand(io, customer, options));

  program
    .command('erase')
    .description('erase a customer: every record of theirs and the phone-index items naming them, leaving a tombstone (id only) that refuses their late events for 31 days')
    .argument('<customer>', 'customer id')
    .addOption(dataOption())
    .option('--json', 'print as JSON')
    .action(async (customer: string, options: { data: string; json?: boolean }) => (await commands.erase()).eraseCommand(io, customer, options));

  program
    .command('results')
    .description('what a journey did, step by step: messages sent by channel, skipped by reason, deferred; goals and exits')
    .argument('<journey>', 'journey id of the catalog')
    .addOption(dataOption())
    .option('--json', 'print as JSON')
    .action(async (journey: string, options: { data: string; json?: boolean }) => (await commands.stack()).resultsCommand(io, journey, options));

  program
    .command('redrive')
    .description('run a failed execution again from the state it failed in, once the cause is fixed (as Step Functions redrives in AWS)')
    .argument('<execution>', 'execution name, as overture status lists failed ones')
    .addOption(dataOption())
    .addOption(cdkOutOption())
    .option('--json', 'print as JSON')
    .action(async (execution: string, options: { data: string; cdkOut: string; json?: boolean }) => (await commands.stack()).redriveCommand(io, execution, options));

  return program;
}

/** Runs the CLI on `argv` (as `process.argv`); resolves with the exit status. */
export async function runCli(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // `commander.help` with a non-zero code is the help shown for a missing command.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
      return EXIT_BAD_INPUT;
    }
    if (error instanceof CliExit) {
      io.stderr(`overture: ${error.message}\n`);
      return error.status;
    }
    io.stderr(`overture: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    if (error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return EXIT_FAILURE;
  }
}
