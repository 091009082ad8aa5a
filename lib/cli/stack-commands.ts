/**
 * The commands that work on the local stack's data: `serve`, `send-event`, `receive-sms`,
 * `launch`, `status`, `why`, `results` and `redrive`. When a stack runs on the data folder, they
 * go through it (see stack-client.ts); otherwise `send-event`, `receive-sms`, `launch` and
 * `redrive` start the runtime on the folder for the time of the command (executions they start
 * are recorded and carry on the next time the stack runs), and `status`, `why` and `results` read
 * the folder directly. Only
 * `serve` (and `npm start`) makes a data folder: the others refuse one that holds no stack data.
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoDBClientFor } from '../local/clients';
import { parseCustomerEvent, routedEventNames, unroutedEventReason, type EventIssue } from '../ingest/customer-event';
import { sendsTransactional } from '../ingest/journey-routes';
import { ErasedCustomerError } from '../ingest/ingest-event';
import { launchRefusal } from '../ingest/launch-batch';
import { defaultLaunchId, LaunchIdSchema, parseAudienceCsv } from '../local/audience-csv';
import { erasedCustomerMessage, knownCustomerHistory, unknownCustomerMessage, type CustomerHistory, type HistoryEntry } from '../local/customer-history';
import { formatJourneyResults, readJourneyResults, type JourneyResults } from '../local/journey-results';
import { startDynamoDBEmulator } from '../local/emulators';
import { DATA_FILES, DataFolderInUseError, dataFolderHolder, DEFAULT_DATA_DIR, lockDataFolder, readSavedClock } from '../local/data-files';
import { LaunchAnswerLineSchema, LaunchIdTakenError, type LaunchProgress, type LaunchReport } from '../local/launcher';
import type { LocalRuntime, OutdatedLocalDataError } from '../local/runtime';
import type { StackNote } from '../local/stack-note';
import { InboundTextSchema } from '../local/inbound-text';
import { MAX_LAUNCH_BODY } from '../local/control-api';
import { formatHistory, formatHistoryEntry, formatInboundSmsOutcome, formatStatus, statusByJourney, type JourneyStatus } from '../local/stack-views';
import type { InboundSmsOutcome } from '../sms-keywords/handle-inbound-sms';
import { readExecutionRegistry, redrivableExecution, StepFunctionsApiError } from '../local/step-functions';
import { CustomerIdSchema, InstantSchema } from '../customer/model';
import { CustomerStore } from '../store/customer-store';
import { PortInUseError } from '../runtime/local-http-server';
import { CATALOG, journeys } from '../../workflows';
import type { LocalStack, LocalStackOptions } from '../local/stack';
import { badInput, CliExit, EXIT_FAILURE, writeJson, type CliIO } from './io';
import { counted, formatLaunchReport, launchProgressReporter } from './launch-report';
import { runUntilSignal } from './run-until-signal';
import { callStack, findRunningStack, StackRefusalExit, streamStack } from './stack-client';

/** Options every stack command takes. */
export interface StackCommandOptions {
  /** The data folder. @default `.overture` */
  readonly data?: string;
  readonly json?: boolean;
  /** Where the synthesized cloud assembly is written when the stack starts here. @default `cdk.out` */
  readonly cdkOut?: string;
}

function dataDirOf(options: StackCommandOptions): string {
  return path.resolve(options.data ?? DEFAULT_DATA_DIR);
}

/** The answer of a command that reads a stack's data, for a data folder no stack ever used. */
function noStackData(dataDir: string, options?: ErrorOptions): CliExit {
  return new CliExit(EXIT_FAILURE, `no local stack data in ${dataDir}: run "npm start" or "overture serve" first`, options);
}

/**
 * Refuses a data folder that holds no stack's data (no DATA_FILES.stack, which a runtime writes
 * once it has started on the folder), for every command but `serve`: a mistyped `--data` (`.`, the
 * repository instead of its `.overture`, a folder that does not exist), or a command run from
 * another folder, would otherwise read as a stack with nothing in it (`status`) or make a new
 * stack there (`send-event`, `launch`, `receive-sms`, `redrive`).
 * @throws CliExit(1)
 */
export async function requireStackData(dataDir: string): Promise<void> {
  if ((await whatIsAt(path.join(dataDir, DATA_FILES.stack))) !== 'other') throw noStackData(dataDir);
}

/**
 * Refuses a `--data` that names a file, for the starts (`serve`, `npm start`), which make the
 * folder when it is missing: they could not write there, and `npm start --reset` would delete it.
 * @throws CliExit(2)
 */
export async function refuseFileAsDataFolder(dataDir: string): Promise<void> {
  if ((await whatIsAt(dataDir)) === 'other') throw badInput(`--data: ${dataDir} is a file, not a folder`);
}

/** What is at a data folder's path: a folder, nothing (or nothing this process may see), or something else. */
async function whatIsAt(dataDir: string): Promise<'folder' | 'missing' | 'other'> {
  const found = await stat(dataDir).catch(() => undefined);
  if (found === undefined) return 'missing';
  return found.isDirectory() ? 'folder' : 'other';
}

/**
 * Runs `work` on a runtime started on the data folder, then lets it settle and stops it. The
 * emulator's mailbox starts empty, so the emails saved in the folder are put back first and all
 * of them, those `work` sent included, saved again before it stops, as a running stack does.
 */
async function withRuntime<T>(
  dataDir: string,
  options: { cdkOut?: string; start?: Date },
  work: (runtime: LocalRuntime) => Promise<T>,
): Promise<T> {
  const { LocalRuntime, OutdatedLocalDataError } = await import('../local/runtime');
  const saved = await readSavedClock(dataDir);
  // A stack that never ran starts its clock at the command's instant (a saved clock wins). Only
  // npm start has --reset, so an outdated folder is started over there.
  const runtime = await LocalRuntime.start({
    dataDir,
    outdir: options.cdkOut,
    start: options.start,
    concurrency: 8,
    resumeInterrupted: false,
    inactivityScan: false,
  }).catch((error: unknown) => refusedStartExit(error, dataDir, OutdatedLocalDataError, `npm start -- --reset --data ${dataDir}`));
  try {
    // A millisecond past the folder's saved instant, which the clock keeps at the close: commands
    // run one after another on a stopped stack happen in that order (a START after a STOP, a
    // profile change after the last one), not all at one instant where the first would win. A
    // stack that never ran starts at the command's own instant, and stays there.
    if (saved !== undefined) {
      runtime.clock.moveTo(runtime.clock.nowMs() + 1);
      // Saved at once, not only at the close: a command killed (Ctrl-C, SIGKILL) after its work
      // would otherwise leave the next one at the same instant, where the store ranks the more
      // restrictive first (a START after a STOP would leave the number opted out).
      await runtime.saveClock();
    }
    const result = await work(runtime);
    await runtime.quiesce();
    return result;
  } finally {
    await runtime.close();
  }
}

// ---------------------------------------------------------------------------------------------
// serve

/** Options of `overture serve`. */
export interface ServeOptions extends StackCommandOptions {
  readonly port?: number;
  /** Virtual seconds per real second. @default 1 */
  readonly rate?: number;
}

/**
 * Refuses to start a second stack on a data folder a running one uses: both would write the same
 * store, clock and mailbox files.
 */
export async function refuseSecondStack(dataDir: string): Promise<void> {
  const running = await findRunningStack(dataDir);
  if (running) {
    throw new CliExit(EXIT_FAILURE, `a local stack already runs on ${dataDir} (pid ${running.pid}, ${running.api}); stop it first, or give another data folder with --data`);
  }
  // A stack still starting (no note yet) or a command on the stopped stack.
  const holder = await dataFolderHolder(dataDir);
  if (holder !== undefined) throw folderInUse(dataDir, holder);
}

/** The answer of a command whose data folder another process works on. */
function folderInUse(dataDir: string, pid: number, options?: ErrorOptions): CliExit {
  return new CliExit(
    EXIT_FAILURE,
    `the data folder ${dataDir} is in use by another overture process (pid ${pid}): a stack starting, or a command on the stopped stack; one process works on a data folder at a time, so run this once it has started or ended, or give another folder with --data`,
    options,
  );
}

/** Rethrows a DataFolderInUseError as the command's answer (exit 1), any other error as it is. */
function folderInUseExit(error: unknown): never {
  if (error instanceof DataFolderInUseError) throw folderInUse(error.dataDir, error.pid, { cause: error });
  throw error;
}

/**
 * Rethrows why the runtime could not start on a data folder as the command's answer (exit 1),
 * saying what to do: the folder is in use, or holds data of an earlier version, which is started
 * over with `reset` (the option of a start, or the start to run). Any other error is rethrown as
 * it is. `outdated` is the runtime module's error class, passed in because that module is loaded
 * only once a command needs the runtime (it is slow to load).
 */
function refusedStartExit(error: unknown, dataDir: string, outdated: typeof OutdatedLocalDataError, reset: string): never {
  if (error instanceof DataFolderInUseError) folderInUseExit(error);
  if (error instanceof outdated) {
    throw new CliExit(
      EXIT_FAILURE,
      `the data folder ${dataDir} holds data of an earlier version (${error.message}); start over with ${reset} (this deletes its data), or give another folder with --data`,
      { cause: error },
    );
  }
  throw error;
}

/**
 * Starts the local stack for a command; a taken port or a data folder of an earlier version ends
 * the command with a message saying what to do.
 */
export async function startStackForCommand(options: LocalStackOptions): Promise<LocalStack> {
  const [{ startLocalStack }, { OutdatedLocalDataError }] = await Promise.all([import('../local/stack'), import('../local/runtime')]);
  try {
    return await startLocalStack(options);
  } catch (error) {
    if (error instanceof PortInUseError) {
      throw new CliExit(EXIT_FAILURE, `${error.message} (another local stack or another program listens there); choose another with --port, or --port 0 for a free one`, {
        cause: error,
      });
    }
    refusedStartExit(error, path.resolve(options.dataDir ?? DEFAULT_DATA_DIR), OutdatedLocalDataError, '--reset');
  }
}

/** `overture serve`: the stack and its HTTP endpoints until Ctrl-C; no demo traffic. */
export async function serveCommand(io: CliIO, options: ServeOptions): Promise<void> {
  await refuseFileAsDataFolder(dataDirOf(options));
  await refuseSecondStack(dataDirOf(options));
  io.stderr('serve: synthesizing the app and starting the emulators…\n');
  const { DEFAULT_STACK_PORT } = await import('../local/stack');
  const stack = await startStackForCommand({
    dataDir: dataDirOf(options),
    outdir: options.cdkOut,
    port: options.port ?? DEFAULT_STACK_PORT,
    rate: options.rate ?? 1,
    onError: (error, what) => io.stderr(`serve: ${what} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`),
  });
  const urls = {
    api: stack.urls.api,
    consentApi: stack.urls.api,
    control: stack.urls.control,
    mailbox: stack.urls.mailbox,
    smsOutbox: stack.smsOutbox,
    ...Object.fromEntries(Object.entries(stack.endpoints).map(([name, url]) => [`${name}Endpoint`, url])),
  };
  if (stack.mailboxPortTaken !== undefined) io.stderr(`serve: ${mailboxMovedNote(stack.mailboxPortTaken)}\n`);
  if (options.json) writeJson(io, urls);
  else {
    io.stdout(
      [
        `Overture local stack (data in ${dataDirOf(options)}, virtual time ${stack.runtime.now().toISOString()}, ${options.rate ?? 1}× real time)`,
        `  consent API and preference centre   ${stack.urls.api}/`,
        `  stack control (used by the CLI)     ${stack.urls.control}/health`,
        `  mailbox (SES emulator)              ${stack.urls.mailbox}`,
        `  SMS outbox (JSON lines)             ${stack.smsOutbox}`,
        `  DynamoDB endpoint                   ${stack.endpoints.dynamodb}`,
        `  SES v2 endpoint                     ${stack.endpoints.ses}`,
        `  SQS and S3 endpoint                 ${stack.endpoints.sqsS3}`,
        `  Step Functions endpoint             ${stack.endpoints.stepFunctions}`,
        'Press Ctrl-C to stop; the data stays for the next start.',
        '',
      ].join('\n'),
    );
  }
  await runUntilSignal(stack, io);
}

/** What a start says when the data folder's mailbox port was taken (see stack.ts). */
export function mailboxMovedNote(usualPort: number): string {
  return `port ${usualPort}, where this data folder's mailbox usually is, is taken: the mailbox is on a free port this time, and on ${usualPort} again at a start that finds it free`;
}

// ---------------------------------------------------------------------------------------------
// send-event

/** Options of `overture send-event`. */
export interface SendEventOptions extends StackCommandOptions {
  readonly customer: string;
  readonly at?: string;
  readonly eventId?: string;
  readonly touchpoint?: string;
  /** JSON objects, as the event's `detail` fields. */
  readonly attributes?: string;
  readonly profile?: string;
  readonly consents?: string;
  readonly preferences?: string;
}

function jsonOption(name: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badInput(`--${name}: not JSON`, { cause: error });
  }
}

/** Where the CLI took an event field from: the option a person typed (`detail.consents.0` is `--consents[0]`). */
function optionOfIssue(issue: EventIssue): string {
  const [head, field, ...rest] = issue.path;
  const inside = rest.map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join('');
  if (head === 'time' || (head === 'detail' && field === 'occurredAt')) return '--at';
  if (head === 'detail-type') return '<name>';
  if (head !== 'detail' || field === undefined) return issue.path.join('.') || '(event)';
  const option = { customerId: 'customer', eventId: 'event-id' }[field] ?? field;
  return `--${option}${inside}`;
}

/**
 * The clock a runtime started on the data folder for one command ingests at: the folder's saved
 * clock, else (a stack that never saved one) the command's `--at`, else this machine's. It is
 * what LocalRuntime.start chooses, in the same order.
 */
async function offlineIngestClock(dataDir: string, at: string | undefined): Promise<Date> {
  const saved = await readSavedClock(dataDir);
  if (saved !== undefined) return saved;
  return at !== undefined && InstantSchema.safeParse(at).success ? new Date(at) : new Date();
}

/**
 * Refuses an `--at` after the clock of the stack that ingests the event. The stack's clock is the
 * only one its data knows: an event cannot have happened in its future, and its profile fields,
 * preferences, consents and attributes dated there would outrank every change made until then.
 * An invalid `--at` is left to the event's validation, which names what is wrong with it.
 */
function refuseAtAfterStackClock(at: string | undefined, stackNow: Date): void {
  if (at === undefined || !InstantSchema.safeParse(at).success || Date.parse(at) <= stackNow.getTime()) return;
  throw badInput(
    `--at: is after the stack's clock (${stackNow.toISOString()}), nothing was sent; an event is dated no later than the stack's now: give an earlier --at, leave it out for the stack's now, or run the stack on to that time (npm start or overture serve)`,
  );
}

/**
 * `overture send-event NAME --customer ID`: one customer event, as the bus would deliver it. An
 * event the bus rule does not route (a misspelt name, say) is refused, since on AWS it would never
 * reach ingest.
 */
export async function sendEventCommand(io: CliIO, name: string, options: SendEventOptions): Promise<void> {
  const unrouted = unroutedEventReason(name, routedEventNames(CATALOG));
  if (unrouted !== undefined) throw badInput(`nothing was sent: ${unrouted}`);
  const dataDir = dataDirOf(options);
  const running = await findRunningStack(dataDir);
  const stackNow = running ? new Date(z.object({ now: z.iso.datetime() }).parse(await callStack(running, 'GET', '/health')).now) : await offlineIngestClock(dataDir, options.at);
  const envelope = {
    id: randomUUID(),
    'detail-type': name,
    source: 'overture.cli',
    time: options.at ?? stackNow.toISOString(),
    detail: Object.fromEntries(
      Object.entries({
        customerId: options.customer,
        eventId: options.eventId,
        occurredAt: options.at,
        touchpoint: options.touchpoint,
        attributes: jsonOption('attributes', options.attributes),
        profile: jsonOption('profile', options.profile),
        consents: jsonOption('consents', options.consents),
        preferences: jsonOption('preferences', options.preferences),
      }).filter(([, value]) => value !== undefined),
    ),
  };
  refuseAtAfterStackClock(options.at, stackNow);
  // The event's time and its consents are checked against the clock of the stack that ingests it.
  const parsed = parseCustomerEvent(envelope, { now: stackNow });
  if (!parsed.valid) {
    // `--at` is both the event's time and its occurredAt: one problem, said once.
    const problems = [...new Set(parsed.issues.map((issue) => `  ${optionOfIssue(issue)}: ${issue.message}`))];
    throw badInput(`invalid event, nothing was sent:\n${problems.join('\n')}`);
  }
  await requireStackData(dataDir);
  const outcome = running
    ? await callStack(running, 'POST', '/events', envelope)
    : await withRuntime(dataDir, { cdkOut: options.cdkOut, start: options.at === undefined ? undefined : new Date(options.at) }, async (runtime) => {
        const event = options.at === undefined ? { ...parsed.event, occurredAt: runtime.now().toISOString() } : parsed.event;
        return { event: event.name, customerId: event.customerId, outcome: await runtime.ingestEvent(event) };
      }).catch((error: unknown) => {
        // As the running stack's event route answers it (409, a bad input): ids only, no stack trace.
        if (error instanceof ErasedCustomerError) throw badInput(error.message);
        throw error;
      });
  if (options.json) writeJson(io, outcome);
  else io.stdout(`event ${name} for customer ${options.customer} ingested${running ? ` by the stack at ${running.api}` : ''}:\n${JSON.stringify(outcome, null, 2)}\n`);
}

// ---------------------------------------------------------------------------------------------
// receive-sms

/** Options of `overture receive-sms`. */
export interface ReceiveSmsOptions extends StackCommandOptions {
  /** The customer's phone number the text comes from (E.164). */
  readonly from: string;
}

/**
 * `overture receive-sms TEXT --from NUMBER`: a text from a customer's phone, as End User
 * Messaging two-way SMS delivers it to the sms-inbound function: YES confirms the SMS double
 * opt-in the number was texted about, STOP revokes, START opts back in, HELP answers. Replies go
 * to the SMS outbox. Neither the number nor the text is ever repeated in a message.
 * @throws CliExit(2) for a number that is not E.164 or an empty or over-long text; nothing is received then
 */
export async function receiveSmsCommand(io: CliIO, text: string, options: ReceiveSmsOptions): Promise<void> {
  const checked = InboundTextSchema.safeParse({ from: options.from, text });
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => `  ${issue.path[0] === 'from' ? '--from' : '<text>'}: ${issue.message}`);
    throw badInput(`nothing was received:\n${problems.join('\n')}`);
  }
  const dataDir = dataDirOf(options);
  await requireStackData(dataDir);
  const running = await findRunningStack(dataDir);
  const outcome = running
    ? z.custom<InboundSmsOutcome>().parse(await callStack(running, 'POST', '/sms', checked.data))
    : await withRuntime(dataDir, { cdkOut: options.cdkOut }, (runtime) => runtime.receiveSms(checked.data));
  if (options.json) writeJson(io, outcome);
  else io.stdout(`text received${running ? ` by the stack at ${running.api}` : ''}: ${formatInboundSmsOutcome(outcome)}\n`);
}

// ---------------------------------------------------------------------------------------------
// launch

/** Options of `overture launch`. */
export interface LaunchOptions extends StackCommandOptions {
  readonly audience: string;
  /** The launch id (execution name of the launcher). @default from the journey and the audience's ids, sorted (see defaultLaunchId) */
  readonly id?: string;
}

/**
 * `overture launch JOURNEY --audience FILE.csv`: launches the audience, waits for the launch to
 * end (progress on stderr) and reports who entered, who was kept out and which ids have no
 * profile. On a stopped stack, a launch of the same id that a kill cut short is carried on to its
 * end and its totals reported (see LocalRuntime.launchAudience): nothing else runs it until the
 * next start. @throws CliExit(2) for a bad file or journey (one with a transactional send step,
 *   which only the customer's own event may start, among them), or an id used before for another
 *   journey or audience; CliExit(1) when the launch failed, now or the time it was launched before
 *   under the same id
 */
export async function launchCommand(io: CliIO, journey: string, options: LaunchOptions): Promise<void> {
  const givenId = options.id === undefined ? undefined : LaunchIdSchema.safeParse(options.id);
  if (givenId?.success === false) {
    // The value is not repeated: a wrong one may be a person's address.
    throw badInput(`--id: ${givenId.error.issues[0]?.message ?? 'invalid'} (a launch id names executions, so ids only), nothing was launched`);
  }
  const launched = journeys[journey];
  if (launched === undefined) {
    throw badInput(unknownJourneyMessage(journey));
  }
  // Before the file is read: no audience may enter a journey that answers the customer's own request.
  if (sendsTransactional(launched)) throw badInput(launchRefusal(journey));
  let csv: string;
  try {
    csv = await readFile(options.audience, 'utf8');
  } catch (error) {
    throw badInput(`${options.audience}: cannot read the audience file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  if (csv.replace(/^\uFEFF/, '').trim() === '') {
    throw badInput(`${options.audience}: the audience file is empty, nothing was launched; it needs a header row naming a customerId column, then one customer id a row`);
  }
  const audience = parseAudienceCsv(csv);
  if (audience.issues.length > 0) {
    throw badInput(
      `${options.audience}: invalid audience file, nothing was launched:\n${audience.issues.map((issue) => `  line ${issue.line}, column ${issue.column}: ${issue.message}`).join('\n')}`,
    );
  }
  if (audience.rows.length === 0) throw badInput(`${options.audience}: the audience file has no customers`);
  const launchId = givenId?.data ?? defaultLaunchId(journey, audience);
  const dataDir = dataDirOf(options);
  await requireStackData(dataDir);
  const running = await findRunningStack(dataDir);
  io.stderr(`launch: ${journey} to ${counted(audience.rows.length, 'customer')} as ${launchId}\n`);
  const onProgress = launchProgressReporter(io.stderr);
  const report = running
    ? await launchOnStack(running, { journey, csv, launchId }, onProgress).catch((error: unknown) => {
        if (!(error instanceof StackRefusalExit) || error.httpStatus !== 413) throw error;
        throw badInput(
          `${options.audience}: the audience file is larger than the running stack at ${running.api} takes (${MAX_LAUNCH_BODY / (1024 * 1024)} MiB), nothing was launched; split it into smaller files and launch each under its own --id`,
          { cause: error },
        );
      })
    : await withRuntime(dataDir, { cdkOut: options.cdkOut }, (runtime) => runtime.launchAudience(journey, audience, launchId, onProgress)).catch((error: unknown) => {
        // As the running stack's launch route answers it (409, a bad input).
        if (error instanceof LaunchIdTakenError) throw badInput(error.message, { cause: error });
        throw error;
      });
  if (options.json) writeJson(io, report);
  else io.stdout(formatLaunchReport(report));
  // The same launch ended in failure before: nothing started now, and a script must not read success.
  if (report.outcome === 'already_launched' && (report.status === 'FAILED' || report.status === 'ABORTED')) {
    throw new CliExit(EXIT_FAILURE, `launch ${report.launch} ended ${report.status} and was not run again; once the cause is fixed, overture redrive ${report.launch} carries it on`);
  }
}

/** A launch through a running stack's control route: progress as it comes, then the report. */
async function launchOnStack(
  running: StackNote,
  request: { journey: string; csv: string; launchId: string },
  onProgress: (progress: LaunchProgress) => void,
): Promise<LaunchReport> {
  let report: LaunchReport | undefined;
  await streamStack(running, '/launches', request, (line) => {
    const answer = LaunchAnswerLineSchema.parse(line);
    if ('progress' in answer) onProgress(answer.progress);
    else if ('report' in answer) report = answer.report;
    else throw new CliExit(EXIT_FAILURE, `the launch failed on the stack at ${running.api}: ${answer.error}`);
  });
  if (report === undefined) throw new CliExit(EXIT_FAILURE, `the stack at ${running.api} ended its answer before the launch ended; see overture status`);
  return report;
}

// ---------------------------------------------------------------------------------------------
// status

/** `overture status`: executions by journey and state. */
export async function statusCommand(io: CliIO, options: StackCommandOptions): Promise<void> {
  const dataDir = dataDirOf(options);
  await requireStackData(dataDir);
  const running = await findRunningStack(dataDir);
  let now: string;
  let statuses: JourneyStatus[];
  if (running) {
    const answer = z.object({ now: z.string(), journeys: z.array(z.custom<JourneyStatus>()) }).parse(await callStack(running, 'GET', '/status'));
    now = answer.now;
    statuses = answer.journeys;
  } else {
    statuses = statusByJourney(await readExecutionRegistry(path.join(dataDir, DATA_FILES.executions)));
    now = (await readSavedClock(dataDir))?.toISOString() ?? '(not started yet)';
  }
  if (options.json) writeJson(io, { now, running: running !== undefined, journeys: statuses });
  else io.stdout(formatStatus(statuses, now) + (running ? '' : 'The stack is not running: counts are from the data folder; running executions carry on at its next start.\n'));
}

// ---------------------------------------------------------------------------------------------
// why

/**
 * `overture why CUSTOMER`: every decision and send for the customer, in time order; for an erased
 * customer, when they were erased (and anything written after it).
 * @throws CliExit(2) for a customer id that is not one, or that no customer has (no profile, no history, no erasure)
 */
export async function whyCommand(io: CliIO, customerId: string, options: StackCommandOptions): Promise<void> {
  const id = CustomerIdSchema.safeParse(customerId);
  // The value is not repeated: what is not a customer id may be the customer's address or number.
  if (!id.success) throw badInput(`<customer>: ${id.error.issues[0]?.message ?? 'invalid'} (a customer id, not an address or a number)`);
  const dataDir = dataDirOf(options);
  await requireStackData(dataDir);
  const running = await findRunningStack(dataDir);
  let history: CustomerHistory;
  if (running) {
    history = z
      .object({ entries: z.array(z.custom<HistoryEntry>()), erasedAt: z.string().optional() })
      .parse(await callStack(running, 'GET', `/customers/${encodeURIComponent(id.data)}/history`));
  } else {
    const known = await historyFromDataFolder(dataDir, id.data);
    // As the stack's history route answers (404, exit 2 through callStack).
    if (known === undefined) throw badInput(unknownCustomerMessage(id.data));
    history = known;
  }
  const { entries, erasedAt } = history;
  if (options.json) writeJson(io, { customerId: id.data, ...(erasedAt === undefined ? {} : { erasedAt }), entries });
  else if (erasedAt !== undefined) io.stdout(`${[erasedCustomerMessage(id.data, erasedAt, entries.length), ...entries.map(formatHistoryEntry)].join('\n')}\n`);
  else io.stdout(formatHistory(id.data, entries));
}

function historyFromDataFolder(dataDir: string, customerId: string): Promise<CustomerHistory | undefined> {
  return readDataFolderTable(dataDir, (client, tableName) => knownCustomerHistory(new CustomerStore({ client, tableName }), client, tableName, customerId));
}

/** Runs `read` on the customer table of a stopped stack's data folder, on a DynamoDB emulator started for it alone. */
export async function readDataFolderTable<T>(dataDir: string, read: (client: DynamoDBClient, tableName: string) => Promise<T>): Promise<T> {
  let tableName: string;
  try {
    tableName = z.object({ tableName: z.string() }).parse(JSON.parse(await readFile(path.join(dataDir, DATA_FILES.stack), 'utf8'))).tableName;
  } catch (error) {
    throw noStackData(dataDir, { cause: error });
  }
  const release = await lockDataFolder(dataDir).catch(folderInUseExit);
  try {
    const dynamo = await startDynamoDBEmulator({ dataPath: path.join(dataDir, DATA_FILES.dynamodb) });
    const client = localDynamoDBClientFor(dynamo.endpoint);
    try {
      return await read(client, tableName);
    } finally {
      client.destroy();
      await dynamo.close();
    }
  } finally {
    await release();
  }
}

// ---------------------------------------------------------------------------------------------
// results

/**
 * `overture results JOURNEY`: what the journey did, step by step (see journey-results.ts), from
 * the running stack or the data folder.
 * @throws CliExit(2) for a journey the catalog does not have
 */
export async function resultsCommand(io: CliIO, journeyId: string, options: StackCommandOptions): Promise<void> {
  const journey = journeys[journeyId];
  if (journey === undefined) throw badInput(unknownJourneyMessage(journeyId));
  const dataDir = dataDirOf(options);
  await requireStackData(dataDir);
  const running = await findRunningStack(dataDir);
  let now: string;
  let results: JourneyResults;
  if (running) {
    const answer = z
      .object({ now: z.string(), results: z.custom<JourneyResults>() })
      .parse(await callStack(running, 'GET', `/journeys/${encodeURIComponent(journey.id)}/results`));
    now = answer.now;
    results = answer.results;
  } else {
    const executions = await readExecutionRegistry(path.join(dataDir, DATA_FILES.executions));
    results = await readDataFolderTable(dataDir, (client, tableName) => readJourneyResults(client, tableName, journey, executions));
    now = (await readSavedClock(dataDir))?.toISOString() ?? '(not started yet)';
  }
  if (options.json) writeJson(io, { now, running: running !== undefined, results });
  else io.stdout(formatJourneyResults(results, now) + (running ? '' : 'The stack is not running: results are from the data folder.\n'));
}

/** The message for a journey id the catalog does not have, naming the ones it has. */
function unknownJourneyMessage(journey: string): string {
  return `unknown journey "${journey}"; the catalog has ${Object.keys(journeys).sort().join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// redrive

/** The answer of a redrive, from the control route or the data folder. */
const RedriveAnswerSchema = z.object({ execution: z.string(), redriveCount: z.number(), redriveDate: z.string() });
type RedriveAnswer = z.infer<typeof RedriveAnswerSchema>;

/**
 * `overture redrive EXECUTION`: runs a failed execution again under its name, from the state it
 * failed in (see LocalStepFunctions.redriveExecution), through the running stack or, when none runs, on the
 * data folder, where it runs to its next wait and carries on at the stack's next start.
 * @throws CliExit(2) for an execution that does not exist or is running or succeeded
 */
export async function redriveCommand(io: CliIO, execution: string, options: StackCommandOptions): Promise<void> {
  const dataDir = dataDirOf(options);
  await requireStackData(dataDir);
  const running = await findRunningStack(dataDir);
  if (!running) await refuseUnredrivable(dataDir, execution);
  const answer = running
    ? RedriveAnswerSchema.parse(await callStack(running, 'POST', `/executions/${encodeURIComponent(execution)}/redrive`))
    : await withRuntime(dataDir, { cdkOut: options.cdkOut }, (runtime) => Promise.resolve(redriveOnRuntime(runtime, execution)));
  if (options.json) writeJson(io, answer);
  else {
    const later = running ? '' : ' The stack is not running: the execution carries on from there at its next start.';
    io.stdout(`Redrove ${answer.execution} (redrive ${answer.redriveCount}) at virtual time ${answer.redriveDate}: it runs again from the state it failed in.${later}\n`);
  }
}

/**
 * Refuses, from the data folder's execution registry, an execution the runtime would refuse to
 * redrive, before the command pays for a synth and the emulators' start.
 * @throws CliExit(2)
 */
async function refuseUnredrivable(dataDir: string, execution: string): Promise<void> {
  const records = await readExecutionRegistry(path.join(dataDir, DATA_FILES.executions));
  redriveRefusedAsBadInput(() => redrivableExecution(new Map(records.map((record) => [record.name, record])), execution));
}

function redriveOnRuntime(runtime: LocalRuntime, execution: string): RedriveAnswer {
  return { execution, ...redriveRefusedAsBadInput(() => runtime.stepFunctions.redriveExecution(execution)) };
}

/** What `redrive` returns; a refusal of the service ends the command as a bad input. */
function redriveRefusedAsBadInput<T>(redrive: () => T): T {
  try {
    return redrive();
  } catch (error) {
    if (error instanceof StepFunctionsApiError) throw badInput(`nothing was redriven: ${error.message}`, { cause: error });
    throw error;
  }
}
