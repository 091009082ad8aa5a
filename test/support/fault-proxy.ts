/**
 * A loopback HTTP proxy in front of an emulator that can answer the next requests with a fault,
 * so tests see the provider behaviour the emulators never show: throttling, and a connection that
 * drops after the provider accepted the request.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does to one request. */
export type Fault =
  /** Answer like SES v2 does when over its sending rate: HTTP 429 TooManyRequestsException; nothing reaches the emulator. */
  | 'throttle'
  /** Forward the request, let the emulator accept it, then drop the connection without answering. */
  | 'drop-after-accept'
  /**
   * Answer like SES v2 in the sandbox for a recipient that is not verified: HTTP 400
   * `MessageRejected`, whose message quotes the address; nothing reaches the emulator.
   */
  | 'reject-unverified-recipient'
  /**
   * Answer with this AWS error, as the JSON protocols carry one (DynamoDB, SES v2, Secrets
   * Manager…): the type in `x-amzn-errortype` and `__type`, the text in `message`; nothing reaches
   * the emulator. For the errors whose text quotes what was sent.
   */
  | AwsErrorAnswer;

/** An AWS error answer: HTTP status, error type (`ValidationException`) and message. */
export interface AwsErrorAnswer {
  readonly status: number;
  readonly errorType: string;
  readonly message: string;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point the SDK client here. */
  readonly endpoint: string;
  /** Faults for the next requests, in order; requests after them pass through untouched. */
  inject(...faults: Fault[]): void;
  /** Drops the faults not used yet. */
  clear(): void;
  /** Requests seen so far (faulty or not). */
  readonly requests: number;
  stop(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function forward(target: URL, request: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        readBody(answer).then((answerBody) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: answerBody }), reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Starts a proxy to `targetEndpoint` on a free loopback port. */
export async function startFaultProxy(targetEndpoint: string): Promise<FaultProxy> {
  const target = new URL(targetEndpoint);
  const faults: Fault[] = [];
  let requests = 0;
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests += 1;
    const fault = faults.shift();
    void readBody(request).then(async (body) => {
      if (typeof fault === 'object') {
        response.writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': fault.errorType, 'x-amzn-requestid': 'fault-request-1' });
        response.end(JSON.stringify({ __type: fault.errorType, message: fault.message }));
        return;
      }
      if (fault === 'throttle') {
        response.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' });
        response.end(JSON.stringify({ message: 'Maximum sending rate exceeded.' }));
        return;
      }
      if (fault === 'reject-unverified-recipient') {
        const recipients = (JSON.parse(body.toString('utf8')) as { Destination?: { ToAddresses?: string[] } }).Destination?.ToAddresses ?? [];
        response.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'MessageRejected', 'x-amzn-requestid': 'rejected-request-1' });
        response.end(JSON.stringify({
          message: `Email address is not verified. The following identities failed the check in region US-EAST-1: ${recipients.join(', ')}`,
        }));
        return;
      }
      const answer = await forward(target, request, body);
      if (fault === 'drop-after-accept') {
        response.socket?.destroy();
        return;
      }
      response.writeHead(answer.status, answer.headers);
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    inject: (...next) => faults.push(...next),
    clear: () => {
      faults.length = 0;
    },
    get requests() {
      return requests;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
