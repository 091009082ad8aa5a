/**
 * The emulators of the local stack, started in this process from npm packages, each on a
 * loopback port and reached through the ordinary AWS SDK with an endpoint override:
 *
 * - DynamoDB: dynalite with TransactWriteItems (lib/store/local), in memory or persisted to a
 *   LevelDB folder so that a restart loses nothing;
 * - SES v2: aws-ses-v2-local, with its mailbox web UI at `/` and its JSON store at `/store`;
 * - SQS and S3: fauxqs, in a worker thread because it ships as an ES module only.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import startSesV2Local from 'aws-ses-v2-local';
import { startLocalDynamoDB, type LocalDynamoDB } from '../store/local/local-dynamodb';

/** Host every emulator listens on. */
export const LOOPBACK = '127.0.0.1';

/** Raised when an emulator does not start. */
export class EmulatorStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmulatorStartError';
  }
}

/** A running emulator. */
export interface RunningEmulator {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts dynalite, persisted under `dataPath` when given (else in memory). */
export async function startDynamoDBEmulator(options: { dataPath?: string; port?: number } = {}): Promise<LocalDynamoDB> {
  try {
    return await startLocalDynamoDB({ path: options.dataPath, host: LOOPBACK, port: options.port ?? 0 });
  } catch (error) {
    throw new EmulatorStartError(`DynamoDB emulator (dynalite) did not start${options.dataPath ? ` on ${options.dataPath}` : ''}`, { cause: error });
  }
}

/** The SES emulator; its store is process-wide (one per process). */
export interface SesEmulator extends RunningEmulator {
  /** The mailbox web UI. */
  readonly mailboxUrl: string;
}

/**
 * Starts aws-ses-v2-local and empties its (process-wide) store. It listens on `port` (a free one
 * when 0 or absent), or else fails; or, given `preferredPort` instead, on that port when no other
 * program holds it and on a free one when one does.
 */
export async function startSesEmulator(options: { port?: number; preferredPort?: number } = {}): Promise<SesEmulator> {
  const wanted = options.port ?? options.preferredPort ?? 0;
  let server = await listenSes(wanted);
  if (!server.listening && options.port === undefined && wanted !== 0) server = await listenSes(0);
  if (!server.listening) throw new EmulatorStartError(`SES emulator (aws-ses-v2-local) could not listen on port ${wanted} of ${LOOPBACK} (another program may hold it)`);
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${LOOPBACK}:${port}`;
  const cleared = await fetch(`${endpoint}/clear-store`, { method: 'POST' });
  if (!cleared.ok) throw new EmulatorStartError(`SES emulator: clearing its store answered ${cleared.status}`);
  return {
    endpoint,
    mailboxUrl: `${endpoint}/`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * aws-ses-v2-local on `port`; a server that is not listening when the port could not be had (the
 * package resolves either way and drops the error: Express hands it to the listen callback).
 */
async function listenSes(port: number): Promise<Server> {
  try {
    return await startSesV2Local({ host: LOOPBACK, port });
  } catch (error) {
    throw new EmulatorStartError('SES emulator (aws-ses-v2-local) did not start', { cause: error });
  }
}

/** The directory of an installed package, found by walking up from this file. */
function packageDirectory(name: string): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new EmulatorStartError(`package ${name} is not installed; run npm install`);
    dir = parent;
  }
}

const FAUXQS_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.entry).then(async ({ startFauxqs }) => {
  const server = await startFauxqs({ port: workerData.port, logger: false });
  parentPort.on('message', async (command) => {
    if (command !== 'stop') return;
    await server.stop();
    parentPort.postMessage({ stopped: true });
  });
  parentPort.postMessage({ port: server.port });
}).catch((error) => parentPort.postMessage({ error: String((error && error.stack) || error) }));
`;

interface WorkerReply {
  port?: number;
  stopped?: boolean;
  error?: string;
}

function nextReply(worker: Worker): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: WorkerReply) => (reply.error ? reject(new EmulatorStartError(`fauxqs: ${reply.error}`)) : resolve(reply)));
    worker.once('error', reject);
  });
}

/**
 * Starts fauxqs (SQS and S3 on one endpoint) in a worker thread. (fauxqs listens on every
 * interface whatever it is told; without a `host` option it names queues after the Host header
 * of the request, `http://127.0.0.1:<port>/000000000000/<name>`, which is what the SDK can reach.)
 */
export async function startSqsS3Emulator(options: { port?: number } = {}): Promise<RunningEmulator> {
  const entry = pathToFileURL(path.join(packageDirectory('fauxqs'), 'dist', 'app.js')).href;
  const worker = new Worker(FAUXQS_WORKER, { eval: true, workerData: { entry, port: options.port ?? 0 } });
  const { port } = await nextReply(worker);
  if (port === undefined) throw new EmulatorStartError('fauxqs did not report its port');
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    stop: async () => {
      worker.postMessage('stop');
      await nextReply(worker);
      await worker.terminate();
    },
  };
}
