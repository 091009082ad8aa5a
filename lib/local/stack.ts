/**
 * The local stack as `overture serve` and `npm start` run it: the runtime persisted under the
 * data folder and paced, one HTTP endpoint (the consent API, the stack's control routes and a page
 * at `/` that lists them, see stack-index.ts), and a note in the data folder (`endpoints.json`)
 * that tells other `overture` commands where it is.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SesEmailSender } from '../channels/email';
import { createConsentApiHandler } from '../consent-api/http-api';
import { apiGatewayRequestListener } from '../consent-api/node-adapter';
import type { Journey } from '../journeys/format';
import { listenEarly } from '../runtime/local-http-server';
import { CONTROL_PREFIX, controlRequestListener } from './control-api';
import { restoreMailbox, saveMailbox } from './mailbox';
import { withStackIndex } from './stack-index';
import { DATA_FILES, DEFAULT_DATA_DIR } from './data-files';
import { LocalRuntime, type LocalRuntimeOptions, type RuntimeEndpoints } from './runtime';
import { type StackNote } from './stack-note';
import { realDelay } from './virtual-clock';

/** The default port of the stack's HTTP endpoint. */
export const DEFAULT_STACK_PORT = 8787;

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** The data folder. @default `.overture` */
  readonly dataDir?: string;
  /** Port of the HTTP endpoint; 0 for a free one. @default DEFAULT_STACK_PORT */
  readonly port?: number;
  /** Virtual ms per real ms. @default 1 (real time) */
  readonly rate?: number;
  /** Virtual start time of a first run (a persisted clock wins). @default now */
  readonly start?: Date;
  readonly journeys?: readonly Journey[];
  readonly outdir?: string;
  readonly concurrency?: number;
  readonly onError?: LocalRuntimeOptions['onError'];
  readonly onSendStep?: LocalRuntimeOptions['onSendStep'];
}

/** A running local stack. */
export interface LocalStack {
  readonly runtime: LocalRuntime;
  readonly urls: {
    /** The HTTP endpoint (consent API, control routes). */
    readonly api: string;
    /** The SES emulator's mailbox web UI. */
    readonly mailbox: string;
    /** Where the stack's control routes start. */
    readonly control: string;
  };
  /** The SMS outbox file (JSON lines). */
  readonly smsOutbox: string;
  readonly endpoints: RuntimeEndpoints;
  /** Runs the clock until {@link close} (resolves when closed). */
  run(): Promise<void>;
  /** Stops everything, keeping the data. */
  close(): Promise<void>;
}

/** Starts the stack; see the module comment. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const http = await listenEarly({ port: options.port ?? DEFAULT_STACK_PORT });
  let runtime: LocalRuntime;
  try {
    runtime = await LocalRuntime.start({
      dataDir,
      rate: options.rate ?? 1,
      start: options.start,
      journeys: options.journeys,
      outdir: options.outdir,
      concurrency: options.concurrency ?? 8,
      publicBaseUrl: http.url,
      onError: options.onError,
      onSendStep: options.onSendStep,
    });
  } catch (error) {
    await http.close();
    throw error;
  }
  const mailboxFile = path.join(dataDir, DATA_FILES.mailbox);
  await restoreMailbox(mailboxFile);
  const consentApi = createConsentApiHandler(
    {
      store: runtime.store,
      phoneIndex: { client: runtime.clients.dynamodb, tableName: runtime.tableName },
      email: new SesEmailSender(runtime.clients.ses, { fromEmailAddress: 'journeys@example.com', configurationSetName: 'overture-local' }),
      links: runtime.links,
      now: () => runtime.now(),
    },
    // Off here: every caller is this machine's one user, and the limiter's buckets would refill on
    // the virtual clock (an hour a second in the demo), so its answers would mean nothing. The
    // consent API tests run it with the limiter on. The early timeout is off for the same reason:
    // its timer runs on the virtual clock, which can pass the Lambda's 30 s while a page loads.
    { rateLimit: false, timeoutEarly: false },
  );
  http.serve(withStackIndex(controlRequestListener(runtime, apiGatewayRequestListener(consentApi)), { mailbox: runtime.endpoints.mailbox }));

  const smsOutbox = path.join(dataDir, DATA_FILES.smsOutbox);
  const note: StackNote = {
    pid: process.pid,
    api: http.url,
    mailbox: runtime.endpoints.mailbox,
    tableName: runtime.tableName,
    endpoints: { ...runtime.endpoints },
    smsOutbox,
  };
  const noteFile = path.join(dataDir, DATA_FILES.endpoints);
  await writeFile(noteFile, `${JSON.stringify(note, null, 2)}\n`, 'utf8');

  let closed = false;
  let mailboxSaver: Promise<void> | undefined;
  const saveMailboxPeriodically = async (): Promise<void> => {
    while (!closed) {
      await realDelay(2000);
      if (!closed) await saveMailbox(mailboxFile);
    }
  };
  return {
    runtime,
    urls: { api: http.url, mailbox: runtime.endpoints.mailbox, control: `${http.url}${CONTROL_PREFIX}` },
    smsOutbox,
    endpoints: runtime.endpoints,
    run: async () => {
      mailboxSaver ??= saveMailboxPeriodically();
      await runtime.run();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      runtime.stop();
      await mailboxSaver;
      await saveMailbox(mailboxFile);
      await http.close();
      await runtime.close();
      await rm(noteFile, { force: true });
    },
  };
}
