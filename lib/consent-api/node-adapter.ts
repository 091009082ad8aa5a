/**
 * Serves an API Gateway HTTP API (payload 2.0) handler from Node's own HTTP server, so the local
 * runtime (`overture serve`) and the tests run the very handler Lambda runs: a request becomes the
 * event API Gateway would send, and the handler's result becomes the response it would return.
 *
 * ```ts
 * const api = createConsentApiHandler(deps);
 * const server = await serveApiGatewayHandler(api, { port: 8787 });   // server.url
 * // or mount it on your own server:
 * http.createServer(apiGatewayRequestListener(api));
 * ```
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { listenEarly } from '../runtime/local-http-server';
import { loggableError } from '../runtime/loggable-error';

/** Any payload-2.0 handler: a middy handler or a plain async function. */
export type ApiGatewayV2Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/** API Gateway refuses payloads above 10 MB; the consent API needs far less. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Content types API Gateway passes as text (everything else arrives base64-encoded). */
const TEXT_CONTENT_TYPE = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|multipart\/form-data)/i;

class PayloadTooLargeError extends Error {
  constructor() {
    super('request body is too large');
    this.name = 'PayloadTooLargeError';
  }
}

/** Reads the whole body, refusing more than `maxBytes`. */
export async function readRequestBody(request: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBytes) throw new PayloadTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** The IPv4 form of an IPv4-mapped IPv6 address, as API Gateway reports client addresses. */
function clientAddress(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** The payload-2.0 event API Gateway would build for `request` with `body`. */
export function toApiGatewayEventV2(request: IncomingMessage, body: Buffer, now: Date = new Date()): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const text = headerText(value);
    if (text !== undefined && name !== 'cookie') headers[name.toLowerCase()] = text;
  }
  const cookieHeader = headerText(request.headers.cookie);
  const cookies = cookieHeader === undefined ? undefined : cookieHeader.split(/;\s*/).filter((cookie) => cookie !== '');
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  }
  const method = (request.method ?? 'GET').toUpperCase();
  const isText = body.length === 0 || TEXT_CONTENT_TYPE.test(headers['content-type'] ?? '');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies === undefined ? {} : { cookies }),
    headers,
    ...(Object.keys(query).length === 0 ? {} : { queryStringParameters: query }),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: clientAddress(request),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length === 0 ? {} : { body: isText ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: !isText,
  };
}

/** Writes a payload-2.0 result as API Gateway would: a bare string or object becomes a 200 JSON body. */
export function writeApiGatewayResult(response: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result === 'string' || result === null || typeof result !== 'object' || !('statusCode' in result || 'body' in result || 'headers' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (value !== undefined && value !== null) headers[name] = String(value);
  }
  if (result.cookies !== undefined && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  response.writeHead(result.statusCode ?? 200, headers).end(body);
}

/** A Lambda context for in-process invocations. */
export function localLambdaContext(functionName: string): Context {
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface ApiGatewayListenerOptions {
  /** @default DEFAULT_MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
  /** The function name the Lambda context carries. @default 'consent-api' */
  readonly functionName?: string;
  /** Receives errors the handler let escape (they are answered with a bare 500). @default their loggableError on console.error */
  readonly logError?: (error: unknown) => void;
}

/** A Node request listener that runs `handler` for every request. */
export function apiGatewayRequestListener(handler: ApiGatewayV2Handler, options: ApiGatewayListenerOptions = {}): RequestListener {
  const logError = options.logError ?? ((error: unknown) => console.error('consent api request failed', loggableError(error)));
  return (request: IncomingMessage, response: ServerResponse) => {
    readRequestBody(request, options.maxBodyBytes)
      .then(async (body) => {
        const result = await handler(toApiGatewayEventV2(request, body), localLambdaContext(options.functionName ?? 'consent-api'));
        writeApiGatewayResult(response, result);
      })
      .catch((error: unknown) => {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        if (error instanceof PayloadTooLargeError) {
          response.writeHead(413, { 'content-type': 'text/plain' }).end('Payload Too Large');
          return;
        }
        logError(error);
        response.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error');
      });
  };
}

/** A running local server. */
export interface LocalApiServer {
  /** `http://host:port` */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `handler` on `host:port` (port 0: a free one) and resolves once it listens. */
export async function serveApiGatewayHandler(
  handler: ApiGatewayV2Handler,
  options: ApiGatewayListenerOptions & { readonly host?: string; readonly port?: number } = {},
): Promise<LocalApiServer> {
  return serveApiGatewayHandlerAt(() => handler, options);
}

/**
 * Like serveApiGatewayHandler, for a handler that must know its own URL (the consent API signs
 * links with it): `build` is called with `http://host:port` once the port is known (port 0 picks
 * a free one), before the first request is answered.
 */
export async function serveApiGatewayHandlerAt(
  build: (url: string) => ApiGatewayV2Handler,
  options: ApiGatewayListenerOptions & { readonly host?: string; readonly port?: number } = {},
): Promise<LocalApiServer> {
  const server = await listenEarly(options);
  server.serve(apiGatewayRequestListener(build(server.url), options));
  return server;
}
