/**
 * A DynamoDB endpoint in this process: dynalite, plus TransactWriteItems and TransactGetItems
 * (which dynalite lacks).
 *
 * Used by the tests and the local runtime. Clients reach it through the ordinary AWS SDK with an
 * endpoint override, so no store code knows it is talking to an emulator.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import dynalite from 'dynalite';
import { SharedExclusiveLock } from './shared-exclusive-lock';
import { transactGetItems } from './transact-get-items';
import {
  restoreItems,
  transactWriteItems,
  type ItemBefore,
  type KeyNamesByTable,
  type InvokeOperation,
  type TransactionJournal,
  type WireResponse,
} from './transact-write-items';

export interface LocalDynamoDBOptions {
  /**
   * LevelDB folder that keeps the data across restarts. Transactions then keep their undo journal
   * in `<path>.transaction.json`, and a start first undoes one that a killed process left half done.
   * @default - in memory
   */
  readonly path?: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 - a free port */
  readonly port?: number;
}

export interface LocalDynamoDB {
  /** `http://host:port`, for `new DynamoDBClient({ endpoint })`. */
  readonly endpoint: string;
  /** Stops accepting requests and closes the store. */
  close(): Promise<void>;
}

const API_VERSION = 'DynamoDB_20120810';
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/** Operations after which a table's key schema may differ. */
const TABLE_CHANGES = new Set([`${API_VERSION}.CreateTable`, `${API_VERSION}.DeleteTable`]);

/** Starts dynalite (tables ready at once) with TransactWriteItems support, and resolves once it listens. */
export async function startLocalDynamoDB(options: LocalDynamoDBOptions = {}): Promise<LocalDynamoDB> {
  const server: Server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const [dynaliteHandler] = server.listeners('request') as RequestListener[];
  if (dynaliteHandler === undefined) throw new Error('dynalite registered no request handler');
  server.removeAllListeners('request');

  const lock = new SharedExclusiveLock();
  const keyNames: KeyNamesByTable = new Map();
  const invoke = (operation: string, payload: Record<string, unknown>): Promise<WireResponse> =>
    callDynalite(dynaliteHandler, operation, payload);
  const journal = options.path === undefined ? undefined : fileJournal(`${options.path}.transaction.json`);
  await journal?.undoUnfinished(invoke);

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    readBody(req)
      .then(async (body) => {
        if (body === undefined) {
          res.writeHead(413).end();
          return;
        }
        const target = String(req.headers['x-amz-target'] ?? '');
        if (target === `${API_VERSION}.TransactWriteItems`) {
          const answer = await lock.exclusive(() => transactWriteItems(parseJson(body), invoke, keyNames, journal));
          writeJson(res, answer);
          return;
        }
        if (target === `${API_VERSION}.TransactGetItems`) {
          writeJson(res, await lock.shared(() => transactGetItems(parseJson(body), invoke)));
          return;
        }
        // A table made again under the same name may have other keys: forget what transactions learnt.
        const changesTables = TABLE_CHANGES.has(target);
        if (changesTables) keyNames.clear();
        const captured = await lock.shared(() =>
          runHandler(dynaliteHandler, { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers }, body),
        );
        if (changesTables) keyNames.clear();
        res.writeHead(captured.status, captured.headers).end(captured.body);
      })
      .catch((error: unknown) => {
        writeJson(res, {
          status: 500,
          body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(error) },
        });
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    endpoint: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error?: Error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * A transaction journal in one file. It is written whole before the first action is applied, so a
 * file that does not parse is one a kill cut short before anything was applied, and is dropped.
 */
function fileJournal(file: string): TransactionJournal & { undoUnfinished(invoke: InvokeOperation): Promise<void> } {
  return {
    begin: (before) => writeFileSync(file, JSON.stringify(before)),
    end: () => rmSync(file, { force: true }),
    async undoUnfinished(invoke) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return;
      }
      const before = parseJson(text);
      if (Array.isArray(before)) await restoreItems(before as ItemBefore[], invoke);
      rmSync(file, { force: true });
    },
  };
}

interface CapturedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Feeds one request to dynalite's own handler in memory and captures what it answers. */
function runHandler(
  handler: RequestListener,
  request: { method: string; url: string; headers: IncomingMessage['headers'] },
  body: string,
): Promise<CapturedResponse> {
  return new Promise((resolve) => {
    const req = Object.assign(new EventEmitter(), request);
    const headers: Record<string, string> = {};
    const res = {
      statusCode: 200,
      contentType: 'application/x-amz-json-1.0',
      setHeader(name: string, value: string | number) {
        headers[name] = String(value);
      },
      end(text?: string) {
        resolve({ status: res.statusCode, headers, body: text ?? '' });
      },
    };
    handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    if (body.length > 0) req.emit('data', Buffer.from(body));
    req.emit('end');
  });
}

/** One internal operation, signed with placeholders: dynalite checks that a signature is present, not its value. */
async function callDynalite(
  handler: RequestListener,
  operation: string,
  payload: Record<string, unknown>,
): Promise<WireResponse> {
  const captured = await runHandler(
    handler,
    {
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `${API_VERSION}.${operation}`,
        'x-amz-date': '20260101T000000Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
      },
    },
    JSON.stringify(payload),
  );
  const parsed = parseJson(captured.body);
  return { status: captured.status, body: typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {} };
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function writeJson(res: ServerResponse, answer: WireResponse): void {
  const text = JSON.stringify(answer.body);
  res
    .writeHead(answer.status, {
      'Content-Type': 'application/x-amz-json-1.0',
      'Content-Length': Buffer.byteLength(text),
      'x-amz-crc32': String(crc32(text)),
      'x-amzn-RequestId': randomBytes(26).toString('hex').toUpperCase(),
    })
    .end(text);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
