/**
 * `overture simulate SCENARIO [--out REPORT]` (contract: shared/contracts/simulation.md): a bad
 * scenario is refused before anything runs, every problem on its own line naming its path, with
 * exit status 2; otherwise the report goes to REPORT (or stdout) and progress to stderr.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { routedEventNames } from '../ingest/customer-event';
import { parseScenarioText, ScenarioError, serializeReport, type Scenario } from '../scenario';
import { countOf, scenarioJourneys, simulate } from '../simulate/simulate';
import { CATALOG, journeys } from '../../workflows';
import { badInput, CliExit, EXIT_FAILURE, type CliIO } from './io';

/** Options of the command. */
export interface SimulateCommandOptions {
  readonly out?: string;
  readonly quiet?: boolean;
  /** Where the cloud assembly is written. @default `cdk.out` */
  readonly outdir?: string;
}

/** Runs the command. @throws CliExit(2) for an unreadable or invalid scenario */
export async function simulateCommand(io: CliIO, scenarioFile: string, options: SimulateCommandOptions = {}): Promise<void> {
  let text: string;
  try {
    text = await readFile(scenarioFile, 'utf8');
  } catch (error) {
    throw badInput(`${scenarioFile}: cannot read the scenario file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  let scenario;
  try {
    scenario = parseScenarioText(text, { knownJourneys: Object.keys(journeys) });
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    throw badInput(`${scenarioFile}: invalid scenario, nothing was run:\n${error.issues.map((issue) => `  ${issue.path}: ${issue.message}`).join('\n')}`, { cause: error });
  }
  for (const warning of unroutedEventWarnings(scenario)) io.stderr(`simulate: warning: ${warning}\n`);
  if (options.out !== undefined) await refuseUnwritableReport(options.out);
  const progress = options.quiet ? undefined : (line: string) => io.stderr(`simulate: ${line}\n`);
  const report = await simulate(scenario, { progress, outdir: options.outdir });
  const json = serializeReport(report);
  if (options.out === undefined) {
    io.stdout(json);
    return;
  }
  try {
    await writeFile(options.out, json, 'utf8');
  } catch (error) {
    throw new CliExit(EXIT_FAILURE, `${options.out}: cannot write the report (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  const { summary } = report;
  const channels = Object.entries(summary.byChannel).map(([channel, count]) => `${channel} ${count}`).join(', ') || 'none';
  const reasons = Object.entries(summary.byReason).map(([reason, count]) => `${reason} ${count}`).join(', ') || 'none';
  io.stderr(`simulate: ${countOf(summary.messages, 'message')} (${channels}), ${summary.skipped} skipped (${reasons}); report written to ${options.out}\n`);
}

/**
 * Refuses, before a simulation that may take minutes, a report path whose folder is missing or
 * that names a folder: the run would be lost at the end. (Permissions are left to the write.)
 * @throws CliExit(2)
 */
async function refuseUnwritableReport(out: string): Promise<void> {
  const folder = path.dirname(path.resolve(out));
  const [target, parent] = await Promise.all([stat(out).catch(() => undefined), stat(folder).catch(() => undefined)]);
  if (target?.isDirectory()) throw badInput(`--out ${out}: is a folder; give a file name for the report, nothing was run`);
  if (parent === undefined || !parent.isDirectory()) throw badInput(`--out ${out}: the folder ${folder} does not exist, nothing was run`);
}

/**
 * A warning for each event name of the scenario that no journey names and that is not a standard
 * event, at its first use: most likely a misspelling, since the bus would not route it to ingest
 * on AWS. The journeys are the catalog's and the scenario's own (inline ones too), which the stack
 * the scenario runs on routes. The simulation still plays it (the contract does not restrict names).
 */
function unroutedEventWarnings(scenario: Scenario): string[] {
  const routed = new Set(routedEventNames([...CATALOG, ...scenarioJourneys(scenario)]));
  const firstUse = new Map<string, number>();
  scenario.events.forEach((event, index) => {
    if (event.type === 'event' && !routed.has(event.name) && !firstUse.has(event.name)) firstUse.set(event.name, index);
  });
  return [...firstUse].map(([name, index]) => `events[${index}]: no journey uses "${name}" and it is not a standard event; on AWS the bus would not route it to ingest`);
}
