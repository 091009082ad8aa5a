/**
 * The HTTP endpoint of a running local stack (`overture serve`, `npm start`). Under `/_overture/`
 * it answers the CLI of another process (the stack owns the emulators' data, so other commands
 * go through it); everything else is handed to the consent API (one-click unsubscribe, the
 * preference centre), the same handler the Lambda runs behind API Gateway.
 *
 * | route                                   | does                                              |
 * |-----------------------------------------|---------------------------------------------------|
 * | `GET /_overture/health`                 | `{ pid, now }` (virtual time)                      |
 * | `POST /_overture/events`                | ingests one customer event (EventBridge shape) of a name the bus routes (409 for an erased customer's) |
 * | `POST /_overture/launches`              | `{ journey, csv, launchId }`: launches an audience; JSON lines, see below (400 for a journey only its customer's event may start, 409 for a launch id used before for another journey or audience; 413 over MAX_LAUNCH_BODY) |
 * | `GET /_overture/status`                 | executions by journey and status                   |
 * | `POST /_overture/executions/{name}/redrive` | redrives a failed execution (see LocalStepFunctions.redriveExecution) |
 * | `GET /_overture/customers/{id}/history` | the customer's decisions and sends, with `erasedAt` for an erased customer (404 for a customer with no profile and no history) |
 * | `POST /_overture/customers/{id}/erase`  | erases the customer (eraseCustomer, lib/store/erase-customer.ts) after the work queued for them; ids and counts back |
 * | `GET /_overture/journeys/{id}/results`  | what the journey did, step by step (see journey-results.ts; 404 for a journey the stack does not run) |
 * | `POST /_overture/sms`                   | `{ from, text }`: a text from a customer's phone (YES, STOP, START, HELP), as End User Messaging delivers it |
 *
 * A launch can take minutes, so its answer is JSON lines (`application/x-ndjson`), sent as they
 * come: `{ "progress": { processed, total } }` after each batch, then `{ "report": … }` (see
 * LaunchAnswerLineSchema) or, when the launch failed, `{ "error": message }`. A request refused before
 * the launch starts gets a plain JSON error, as every route does.
 *
 * The routes are for the `overture` commands of this machine, and the port is fixed (8787), so a
 * web page its developer opens while the stack runs could otherwise ingest a consent grant or
 * erase a customer: a form or a `no-cors` fetch of another site posts without a preflight, and a
 * DNS name rebound to 127.0.0.1 makes the stack the page's own origin. Before any route runs
 * ({@link controlRefusal}): 403 unless the Host is one of the stack's loopback names with its port
 * (`127.0.0.1`, `localhost`, `[::1]`), 403 for an Origin other than the stack's own or a
 * `Sec-Fetch-Site` other than `same-origin` or `none` (a typed URL), and 415 for a POST whose body
 * is not declared `application/json`, which no page can send to another origin without a
 * preflight this endpoint never grants. The consent API's routes are not checked: browsers and
 * mail clients are meant to reach them.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import * as z from 'zod';
import { CustomerIdSchema } from '../customer/model';
import { eraseCustomer } from '../store/erase-customer';
import { InboundTextSchema } from './inbound-text';
import { parseCustomerEvent, unroutedEventReason } from '../ingest/customer-event';
import { ErasedCustomerError } from '../ingest/ingest-event';
import { LaunchIdSchema, parseAudienceCsv } from './audience-csv';
import { knownCustomerHistory, unknownCustomerMessage } from './customer-history';
import { launchRefusal } from '../ingest/launch-batch';
import { LaunchIdTakenError, type LaunchAnswerLine } from './launcher';
import type { LocalRuntime } from './runtime';
import { StepFunctionsApiError } from './step-functions';
import { statusByJourney } from './stack-views';

/** The prefix of the stack's own routes. */
export const CONTROL_PREFIX = '/_overture';

const LaunchRequestSchema = z.object({ journey: z.string().min(1), csv: z.string(), launchId: LaunchIdSchema });
const EventNameFieldSchema = z.object({ 'detail-type': z.string() });
/** The largest request body a route takes but the launch route. */
const MAX_BODY = 16 * 1024 * 1024;

/**
 * The largest body the launch route takes: an audience file travels whole, and a few million ids
 * pass 16 MiB. Bounded all the same, as the body is held in memory and parsed as one string.
 */
export const MAX_LAUNCH_BODY = 256 * 1024 * 1024;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

async function jsonBody(req: IncomingMessage, limit = MAX_BODY): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    // The rest is read and dropped, not left unread: a client still sending would see its
    // connection reset rather than this answer.
    if (size <= limit) chunks.push(buffer);
  }
  if (size > limit) throw new HttpProblem(413, `request body too large (more than ${limit / (1024 * 1024)} MiB)`);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'body is not JSON');
  }
}

/** The names the stack's endpoint is reached by: it listens on 127.0.0.1 (listenEarly), which these name. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'] as const;

/** `Sec-Fetch-Site` values of a request the stack's own clients make: from its own pages, or a URL typed or bookmarked. */
const OWN_FETCH_SITES: ReadonlySet<string> = new Set(['same-origin', 'none']);

/** The media type of a Content-Type header, without parameters, in lower case. */
function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}

/**
 * Why a request to a control route is refused before it is routed (see the module comment), or
 * undefined when it comes from the stack's own clients. Node's fetch, as the CLI sends it, carries
 * neither Origin nor Sec-Fetch-Site.
 */
function controlRefusal(req: IncomingMessage): HttpProblem | undefined {
  const ownHosts = LOOPBACK_NAMES.map((name) => `${name}:${req.socket.localPort}`);
  if (!ownHosts.includes(req.headers.host?.toLowerCase() ?? '')) {
    return new HttpProblem(403, `the stack's control routes answer only requests to ${ownHosts.join(', ')}`);
  }
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if ((origin !== undefined && !ownHosts.some((host) => origin.toLowerCase() === `http://${host}`)) || (site !== undefined && !OWN_FETCH_SITES.has(site))) {
    return new HttpProblem(403, "the stack's control routes answer the overture commands of this machine, not web pages of another origin");
  }
  if (req.method === 'POST' && mediaType(req.headers['content-type']) !== 'application/json') {
    return new HttpProblem(415, 'a POST to a control route takes a JSON body, sent as Content-Type: application/json');
  }
  return undefined;
}

/** A path segment of a route, decoded; one that is not percent-encoded right is a bad request, not a failure of the stack. */
function pathSegment(encoded: string | undefined, what: string): string {
  try {
    return decodeURIComponent(encoded ?? '');
  } catch {
    throw new HttpProblem(400, `the ${what} in the path is not percent-encoded right`);
  }
}

/** An answer sent as JSON lines while `produce` runs: it emits each line as it comes. */
class JsonLines {
  constructor(readonly produce: (emit: (line: LaunchAnswerLine) => void) => Promise<void>) {}
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

/** Answers one `/_overture/` request. */
async function control(runtime: LocalRuntime, req: IncomingMessage, url: URL): Promise<unknown> {
  const route = `${req.method ?? 'GET'} ${url.pathname.slice(CONTROL_PREFIX.length)}`;
  if (route === 'GET /health') return { pid: process.pid, now: runtime.now().toISOString() };
  if (route === 'POST /events') {
    const body = await jsonBody(req);
    // First, as on AWS: the bus drops an event of a name its rule does not route before ingest sees it.
    const name = EventNameFieldSchema.safeParse(body);
    const unrouted = name.success ? unroutedEventReason(name.data['detail-type'], runtime.routedEventNames) : undefined;
    if (unrouted !== undefined) throw new HttpProblem(400, `detail-type: ${unrouted}. Nothing was ingested.`);
    // Consents are checked against the stack's virtual clock, on which its events are dated.
    const parsed = parseCustomerEvent(body, { now: runtime.now() });
    if (!parsed.valid) throw new HttpProblem(400, parsed.reason);
    const outcome = await runtime.ingestEvent(parsed.event).catch((error: unknown) => {
      // Refused for good, as the ingest function dead-letters it in AWS.
      if (error instanceof ErasedCustomerError) throw new HttpProblem(409, error.message);
      throw error;
    });
    return { event: parsed.event.name, customerId: parsed.event.customerId, outcome };
  }
  if (route === 'POST /launches') {
    const request = LaunchRequestSchema.safeParse(await jsonBody(req, MAX_LAUNCH_BODY));
    if (!request.success) throw new HttpProblem(400, request.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    const audience = parseAudienceCsv(request.data.csv);
    if (audience.issues.length > 0) throw new HttpProblem(400, audience.issues.map((issue) => `line ${issue.line}, column ${issue.column}: ${issue.message}`).join('\n'));
    const launched = runtime.routes.find((journeyRoute) => journeyRoute.journey === request.data.journey);
    if (launched === undefined) throw new HttpProblem(404, `journey "${request.data.journey}" does not run on this stack`);
    if (launched.ownEventOnly === true) throw new HttpProblem(400, launchRefusal(launched.journey));
    const { journey, launchId } = request.data;
    // Before the answer starts: a refusal is a plain JSON error (409), which the CLI reads as bad input.
    await runtime.refuseReusedLaunchId(journey, audience, launchId).catch((error: unknown) => {
      if (error instanceof LaunchIdTakenError) throw new HttpProblem(409, error.message);
      throw error;
    });
    return new JsonLines(async (emit) => {
      try {
        emit({ report: await runtime.launchAudience(journey, audience, launchId, (progress) => emit({ progress })) });
      } catch (error) {
        emit({ error: error instanceof Error ? `${error.name}: ${error.message}` : 'the launch failed' });
      }
    });
  }
  if (route === 'POST /sms') {
    const text = InboundTextSchema.safeParse(await jsonBody(req));
    // Paths and our own messages only: the values are a phone number and a text.
    if (!text.success) throw new HttpProblem(400, `${text.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ')}. Nothing was received.`);
    return runtime.receiveSms(text.data);
  }
  if (route === 'GET /status') return { now: runtime.now().toISOString(), journeys: statusByJourney(runtime.stepFunctions.listExecutions()) };
  const redrive = /^POST \/executions\/([^/]+)\/redrive$/.exec(route);
  if (redrive) return redriveExecution(runtime, pathSegment(redrive[1], 'execution name'));
  const history = /^GET \/customers\/([^/]+)\/history$/.exec(route);
  if (history) {
    const id = CustomerIdSchema.safeParse(pathSegment(history[1], 'customer id'));
    if (!id.success) throw new HttpProblem(400, 'not a customer id');
    const known = await knownCustomerHistory(runtime.store, runtime.clients.dynamodb, runtime.tableName, id.data);
    if (known === undefined) throw new HttpProblem(404, unknownCustomerMessage(id.data));
    return { customerId: id.data, ...known };
  }
  const erase = /^POST \/customers\/([^/]+)\/erase$/.exec(route);
  if (erase) {
    const id = CustomerIdSchema.safeParse(pathSegment(erase[1], 'customer id'));
    if (!id.success) throw new HttpProblem(400, 'not a customer id');
    const table = { client: runtime.clients.dynamodb, tableName: runtime.tableName };
    // Queued under the customer, as their events are, so no event of theirs is half written around it.
    return runtime.work.run(id.data, () => eraseCustomer(table, id.data, { now: runtime.now() }));
  }
  const results = /^GET \/journeys\/([^/]+)\/results$/.exec(route);
  if (results) {
    const journey = pathSegment(results[1], 'journey id');
    const answer = await runtime.journeyResults(journey);
    if (answer === undefined) throw new HttpProblem(404, `no journey "${journey}" runs on this stack`);
    return { now: runtime.now().toISOString(), results: answer };
  }
  throw new HttpProblem(404, `no route ${route}`);
}

/** Redrives execution `name`; the service's refusals become 409 (not redrivable) and 404 (no such execution or state machine). */
function redriveExecution(runtime: LocalRuntime, name: string): { execution: string; redriveCount: number; redriveDate: string } {
  try {
    return { execution: name, ...runtime.stepFunctions.redriveExecution(name) };
  } catch (error) {
    if (error instanceof StepFunctionsApiError) throw new HttpProblem(error.code === 'ExecutionNotRedrivable' ? 409 : 404, error.message);
    throw error;
  }
}

/** A request listener for the control routes and, for every other path, `fallback` (the consent API). */
export function controlRequestListener(runtime: LocalRuntime, fallback?: RequestListener): RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      if (fallback) fallback(req, res);
      else send(res, 404, { message: 'not found' });
      return;
    }
    const refusal = controlRefusal(req);
    if (refusal !== undefined) {
      // Read and dropped, as jsonBody drops a body over its limit: a client still sending would see its connection reset rather than this answer.
      req.resume();
      send(res, refusal.status, { message: refusal.message });
      return;
    }
    control(runtime, req, url)
      .then(async (body) => {
        if (!(body instanceof JsonLines)) return send(res, 200, body);
        res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
        await body.produce((line) => res.write(`${JSON.stringify(line)}\n`));
        res.end();
      })
      .catch((error: unknown) => {
        if (error instanceof HttpProblem) send(res, error.status, { message: error.message });
        else send(res, 500, { message: error instanceof Error ? `${error.name}: ${error.message}` : 'internal error' });
      });
  };
}

