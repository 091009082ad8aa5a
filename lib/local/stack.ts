/**
 * The local stack as `overture serve` and `npm start` run it: the runtime persisted under the
 * data folder and paced, one HTTP endpoint (the consent API, the stack's control routes and a page
 * at `/` that lists them, see stack-index.ts), and a note in the data folder (`endpoints.json`)
 * that tells other `overture` commands where it is.
 *
 * Ports: the endpoint's is fixed (8787 unless told; a taken one stops the start), since the links
 * in the emails it sent are signed with its URL. The mailbox's is the data folder's own, kept in
 * `ports.json` from its first start (8788 then, or a free port when that is taken or the endpoint
 * was asked for a free one), so a bookmarked mailbox keeps working across restarts; a start that
 * finds it taken serves the mailbox on a free port this once and says so, and never fails for it.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { createConsentApiHandler } from '../consent-api/http-api';
import { apiGatewayRequestListener } from '../consent-api/node-adapter';
import type { Journey } from '../journeys/format';
import { listenEarly } from '../runtime/local-http-server';
import { localConsentApiDependencies } from './consent-api-wiring';
import { CONTROL_PREFIX, controlRequestListener } from './control-api';
import { withStackIndex } from './stack-index';
import { DATA_FILES, DEFAULT_DATA_DIR, readDataFile, writeDataFile } from './data-files';
import { LocalRuntime, type LocalRuntimeOptions, type RuntimeEndpoints } from './runtime';
import { type StackNote } from './stack-note';
import { ownProcessStart } from './process-identity';

/** The default port of the stack's HTTP endpoint. */
export const DEFAULT_STACK_PORT = 8787;

/** The mailbox's port on a data folder's first start, when it is free and the endpoint has a fixed port. */
const DEFAULT_MAILBOX_PORT = 8788;

/** `ports.json`: the ports a data folder keeps across starts. */
const KeptPortsSchema = z.object({ mailbox: z.number().int().min(1).max(65535) });

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
    /** The SES emulator's mailbox web UI, on the data folder's port when it was free (see the module comment). */
    readonly mailbox: string;
    /** Where the stack's control routes start. */
    readonly control: string;
  };
  /** The SMS outbox file (JSON lines). */
  readonly smsOutbox: string;
  readonly endpoints: RuntimeEndpoints;
  /** The data folder's mailbox port when another program held it, so the mailbox is on a free one this time. */
  readonly mailboxPortTaken?: number;
  /** Runs the clock until {@link close} (resolves when closed). */
  run(): Promise<void>;
  /** Stops everything, keeping the data. */
  close(): Promise<void>;
}

/** Starts the stack; see the module comment. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const port = options.port ?? DEFAULT_STACK_PORT;
  const http = await listenEarly({ port });
  const portsFile = path.join(dataDir, DATA_FILES.ports);
  const keptMailboxPort = await readKeptMailboxPort(portsFile);
  // Port 0 for the endpoint asks for free ports (the tests run in parallel): no fixed mailbox port either.
  const mailboxPort = keptMailboxPort ?? (port === 0 ? 0 : DEFAULT_MAILBOX_PORT);
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
      preferredPorts: { ses: mailboxPort },
      onError: options.onError,
      onSendStep: options.onSendStep,
    });
  } catch (error) {
    await http.close();
    throw error;
  }
  const servedMailboxPort = Number(new URL(runtime.endpoints.mailbox).port);
  if (keptMailboxPort === undefined) await writeDataFile(portsFile, `${JSON.stringify({ mailbox: servedMailboxPort }, null, 2)}\n`);
  const consentApi = createConsentApiHandler(
    localConsentApiDependencies(runtime),
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
    ...(ownProcessStart === undefined ? {} : { started: ownProcessStart }),
    api: http.url,
    mailbox: runtime.endpoints.mailbox,
    tableName: runtime.tableName,
    endpoints: { ...runtime.endpoints },
    smsOutbox,
  };
  const noteFile = path.join(dataDir, DATA_FILES.endpoints);
  await writeFile(noteFile, `${JSON.stringify(note, null, 2)}\n`, 'utf8');

  let closed = false;
  return {
    runtime,
    urls: { api: http.url, mailbox: runtime.endpoints.mailbox, control: `${http.url}${CONTROL_PREFIX}` },
    smsOutbox,
    endpoints: runtime.endpoints,
    // A first start's port, 8788 or not, is the folder's from now on: nothing moved.
    mailboxPortTaken: keptMailboxPort !== undefined && servedMailboxPort !== keptMailboxPort ? keptMailboxPort : undefined,
    run: () => runtime.run(),
    close: async () => {
      if (closed) return;
      closed = true;
      runtime.stop();
      await http.close();
      await runtime.close();
      await rm(noteFile, { force: true });
    },
  };
}

/** The mailbox port the data folder kept, if it has one (an unreadable file counts as none, and is written again). */
async function readKeptMailboxPort(file: string): Promise<number | undefined> {
  return (await readDataFile(file, KeptPortsSchema))?.mailbox;
}
