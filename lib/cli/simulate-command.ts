/**
 * `overture simulate SCENARIO [--out REPORT]` (contract: shared/contracts/simulation.md): a bad
 * scenario is refused before anything runs, every problem on its own line naming its path, with
 * exit status 2; otherwise the report goes to REPORT (or stdout) and progress to stderr.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseScenarioText, ScenarioError, serializeReport } from '../scenario';
import { simulate } from '../simulate/simulate';
import { journeys } from '../../workflows';
import { badInput, type CliIO } from './io';

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
  const progress = options.quiet ? undefined : (line: string) => io.stderr(`simulate: ${line}\n`);
  const report = await simulate(scenario, { progress, outdir: options.outdir });
  const json = serializeReport(report);
  if (options.out === undefined) {
    io.stdout(json);
    return;
  }
  await writeFile(options.out, json, 'utf8');
  const { summary } = report;
  const channels = Object.entries(summary.byChannel).map(([channel, count]) => `${channel} ${count}`).join(', ') || 'none';
  const reasons = Object.entries(summary.byReason).map(([reason, count]) => `${reason} ${count}`).join(', ') || 'none';
  io.stderr(`simulate: ${summary.messages} messages (${channels}), ${summary.skipped} skipped (${reasons}); report written to ${options.out}\n`);
}
