/**
 * What `npm start` runs (scripts/start.ts parses its options): Overture on this machine with a
 * demo. It synthesizes the app, starts the local stack (data kept in `.overture/`), seeds a demo
 * audience on the first start, plays a stream of customer events and runs the catalog journeys
 * with compressed time (one virtual hour per real second by default), printing where to look and
 * a running summary until Ctrl-C. A second start reuses the data and goes on from the saved
 * virtual time; demo events already played are not played again (and replaying one changes nothing).
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { runUntilSignal } from '../cli/run-until-signal';
import { mailboxMovedNote, refuseFileAsDataFolder, refuseSecondStack, startStackForCommand } from '../cli/stack-commands';
import { badInput, processIO } from '../cli/io';
import { CustomerIdSchema } from '../customer/model';
import { messageLinks } from '../unsubscribe';
import { DATA_FILES, DEFAULT_DATA_DIR, readDataFile, writeDataFile } from './data-files';
import { buildDemo, seedDemoCustomer } from './demo';
import { RunningSummary } from './summary';
import { journeyOfExecution, LAUNCHER_LABEL } from './stack-views';
import { clockSavedAheadMs } from './saved-clock';
import { realDelay } from './virtual-clock';

const DemoStateSchema = z.object({ seed: z.number().int(), customers: z.number().int(), start: z.iso.datetime(), seeded: z.boolean() });
type DemoState = z.infer<typeof DemoStateSchema>;

/** The demo's own file in the data folder, beside the stack's. */
const DEMO_FILE = 'demo.json';

/** What a stack and the demo write in a data folder: all that `--reset` deletes. */
const STACK_ENTRIES: ReadonlySet<string> = new Set([...Object.values(DATA_FILES), DEMO_FILE]);

/**
 * Whether `name` is an entry of a stack's data folder: one of {@link STACK_ENTRIES}, or a
 * temporary copy of one (`FILE.PID-N.tmp`, see writeDataFile) that a kill mid-write left.
 */
function isStackEntry(name: string): boolean {
  const temporary = /^(.+)\.\d+-\d+\.tmp$/.exec(name);
  return STACK_ENTRIES.has(temporary?.[1] ?? name);
}

/**
 * `--reset`: deletes the stack's entries from the data folder and leaves anything else there. A
 * folder with other things in it and neither the file a started stack writes nor its DynamoDB
 * data is refused, whatever it holds: a mistyped `--data` (`.`, the repository, a documents
 * folder) must not be started over, nor have a stack made in it.
 * @throws CliExit(2) naming the folder
 */
async function resetDataFolder(dataDir: string): Promise<void> {
  const entries: string[] = await readdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0 && !entries.includes(DATA_FILES.stack) && !entries.includes(DATA_FILES.dynamodb)) {
    throw badInput(`--reset: ${dataDir} holds no local stack data (no ${DATA_FILES.stack}), so nothing was deleted; give a stack's data folder with --data, or a new folder`);
  }
  for (const name of entries.filter(isStackEntry)) await rm(path.join(dataDir, name), { recursive: true, force: true });
}

/**
 * Events a restart plays again before the saved clock, in case the last ones were cut short: an
 * hour, and as far again as the clock is saved ahead of itself (a kill leaves it up to that far
 * past the last event played).
 */
function replayMarginMs(rate: number): number {
  return 3_600_000 + clockSavedAheadMs(rate);
}

/** Options of {@link startDemo} (the flags of `npm start`). */
export interface DemoStartOptions {
  readonly data: string;
  readonly port: number;
  readonly rate: number;
  readonly customers: number;
  readonly seed: number;
  readonly reset?: boolean;
}

/** `text` as one word of a POSIX shell command line: as it is when it is safe, else single-quoted. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/** Runs the demo until Ctrl-C; see the module comment. */
export async function startDemo(options: DemoStartOptions): Promise<void> {
  const began = performance.now();
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const dataDir = path.resolve(options.data);
  await refuseFileAsDataFolder(dataDir);
  // Before --reset: deleting the folder of a running stack would lose what it is writing.
  await refuseSecondStack(dataDir);
  if (options.reset) await resetDataFolder(dataDir);
  await mkdir(dataDir, { recursive: true });
  const demoFile = path.join(dataDir, DEMO_FILE);
  const previous = await readDataFile(demoFile, DemoStateSchema);

  say(previous ? `Overture: starting again on the data in ${dataDir}` : `Overture: first start; data goes to ${dataDir}`);
  say('Synthesizing the CDK app and starting the emulators (dynalite, aws-ses-v2-local, fauxqs)…');
  const summary = new RunningSummary();
  /** Who got the first email of this start: the customer `overture why` is worth trying on. */
  let firstEmailTo: string | undefined;
  const stack = await startStackForCommand({
    dataDir,
    port: options.port,
    rate: options.rate,
    start: previous ? new Date(previous.start) : new Date(Math.floor(Date.now() / 60_000) * 60_000),
    onSendStep: (payload, outcome) => {
      // Only an email that went out now: a step a restart ran again answers `sent` from the ledger.
      if (summary.record(payload, outcome) && outcome.outcome === 'sent' && outcome.channel === 'email') firstEmailTo ??= payload.customerId;
    },
    onError: (error, what) => process.stderr.write(`${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`),
  });
  const { runtime } = stack;
  await summary.loadFrom(runtime.clients.dynamodb, runtime.tableName);

  const state: DemoState = previous ?? { seed: options.seed, customers: options.customers, start: runtime.now().toISOString(), seeded: false };
  await writeDataFile(demoFile, JSON.stringify(state));
  const demo = buildDemo(state.customers, state.seed);
  const start = new Date(state.start);
  if (!state.seeded) {
    say(`Seeding ${demo.customers.length} demo customers (consents with proof, preferences, time zones, channels)…`);
    for (const customer of demo.customers) await runtime.work.run(customer.id, () => seedDemoCustomer(runtime.store, { client: runtime.clients.dynamodb, tableName: runtime.tableName }, customer, start));
    await writeDataFile(demoFile, JSON.stringify({ ...state, seeded: true }));
  }
  const from = runtime.clock.nowMs() - replayMarginMs(options.rate);
  let scheduled = 0;
  for (const { offsetMs, event } of demo.events) {
    const at = start.getTime() + offsetMs;
    if (at < from) continue;
    scheduled += 1;
    runtime.schedule({
      at,
      order: [event.customerId, event.eventId],
      key: event.customerId,
      run: async () => {
        await runtime.ingestInWorkItem({ ...event, occurredAt: new Date(at).toISOString() });
      },
    });
  }

  say('');
  say(`Ready after ${((performance.now() - began) / 1000).toFixed(1)} s. Virtual time ${runtime.now().toISOString()}, running at ${options.rate}× real time (${(options.rate / 3600).toFixed(2)} virtual hours per second).`);
  say(`${scheduled} demo customer events to play over the coming virtual weeks; the catalog journeys run as they arrive.`);
  // The commands read the default folder unless told another.
  const dataOption = dataDir === path.resolve(DEFAULT_DATA_DIR) ? '' : ` --data ${shellWord(dataDir)}`;
  say('Where to look:');
  say(`  mailbox (every email sent)        ${stack.urls.mailbox}`);
  if (stack.mailboxPortTaken !== undefined) say(`    (${mailboxMovedNote(stack.mailboxPortTaken)})`);
  say(`  SMS outbox (JSON lines)           ${stack.smsOutbox}`);
  say(`  consent API (its routes)          ${stack.urls.api}/`);
  const shown = demo.customers.find((customer) => customer.email !== undefined && customer.consents.some((consent) => consent.channel === 'email' && consent.status === 'granted'));
  if (shown !== undefined) {
    // Signed as the link in an email to the customer is: the API's pages open only from such links.
    const { preferencesUrl } = messageLinks({ customerId: CustomerIdSchema.parse(shown.id), channel: 'email', topic: 'marketing', to: shown.email }, runtime.links, runtime.now());
    say(`  preference centre of ${shown.id.padEnd(12)} ${preferencesUrl}`);
  }
  say(`  executions by journey and state   npx overture status${dataOption}`);
  say(`  why a customer got what they got  npx overture why CUSTOMER${dataOption} (the first email names one)`);
  say(`  what a journey did, step by step  npx overture results JOURNEY${dataOption} (welcome, win-back…)`);
  say(`  a customer replies by text        npx overture receive-sms STOP --from NUMBER${dataOption} (a number of the SMS outbox)`);
  say('Ctrl-C stops; the next npm start goes on from here with everything kept.');
  say('');

  let stopped = false;
  const watchFirstEmail = async (): Promise<void> => {
    const count = async (): Promise<number> => {
      const response = await fetch(`${stack.endpoints.ses}/store`).catch(() => undefined);
      const body: unknown = await response?.json().catch(() => undefined);
      return z.object({ emails: z.array(z.unknown()) }).safeParse(body).data?.emails.length ?? 0;
    };
    const before = await count();
    while (!stopped) {
      if ((await count()) > before) {
        const seconds = (performance.now() - began) / 1000;
        // The send step answers (and names its customer) a moment after SES has taken the email.
        for (let waited = 0; firstEmailTo === undefined && waited < 2000 && !stopped; waited += 50) await realDelay(50);
        const why = firstEmailTo === undefined ? '' : `; why it went out: npx overture why ${firstEmailTo}${dataOption}`;
        say(`First email in the mailbox ${seconds.toFixed(1)} s after npm start${why}.`);
        return;
      }
      await realDelay(200);
    }
  };
  const report = async (): Promise<void> => {
    while (!stopped) {
      await realDelay(3000);
      if (stopped) return;
      // Journey executions, as `overture status` counts them (the launcher's runs apart), from the
      // execution registry, which a restart keeps: ended ones stay counted.
      const journeyRuns = runtime.stepFunctions.listExecutions().filter((execution) => journeyOfExecution(execution) !== LAUNCHER_LABEL);
      const running = journeyRuns.filter((execution) => execution.status === 'RUNNING').length;
      const ended = journeyRuns.length - running;
      say(`[${runtime.now().toISOString().slice(0, 16).replace('T', ' ')} UTC] journey executions ${running} running, ${ended} ended · ${summary.line()}`);
    }
  };
  const watchers = Promise.all([watchFirstEmail(), report()]);
  try {
    // The running summary falls silent once stopping begins; the closing line sums it up.
    const closing = () => {
      stopped = true;
      return stack.close();
    };
    await runUntilSignal({ run: () => stack.run(), close: closing }, processIO);
  } finally {
    stopped = true;
    await watchers;
    say(`Stopped at virtual ${runtime.now().toISOString()} · ${summary.line()}`);
  }
}
