/**
 * The local stack's control routes (`/_overture/…`, lib/local/control-api.ts) answer the
 * `overture` commands of this machine, not the web pages its developer opens while the stack runs:
 * a page of another site can send a POST without a preflight (an HTML form, `fetch` with
 * `mode: 'no-cors'` and a text/plain body), and a rebound DNS name can reach 127.0.0.1 on the
 * stack's fixed port. Such requests are refused before any route runs; the consent API's routes,
 * which browsers and mail clients are meant to reach, are handed on untouched.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CustomerIdSchema } from '../../lib/customer/model';
import { controlRequestListener } from '../../lib/local/control-api';
import { LocalRuntime } from '../../lib/local/runtime';
import { welcome } from '../../workflows/catalog/welcome';
import { testOutdir } from './support';

jest.setTimeout(300_000);

let runtime: LocalRuntime;
let server: Server;
let port: number;
/** The paths the stand-in for the consent API was handed. */
const handedOn: string[] = [];

beforeAll(async () => {
  runtime = await LocalRuntime.start({ journeys: [welcome], start: new Date('2026-03-02T09:00:00Z'), seed: 9, outdir: testOutdir('control-cross-site'), inactivityScan: false });
  server = createServer(
    controlRequestListener(runtime, (req, res) => {
      handedOn.push(`${req.method} ${req.url}`);
      res.writeHead(204).end();
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await runtime.close();
});

/**
 * Sends a request to the server with exactly `headers` (node:http, as fetch will not set Host),
 * Host defaulting to the stack's own `127.0.0.1:<port>`.
 */
function send(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A consent grant for `customerId`, as the bus delivers it. */
function grant(customerId: string): string {
  return JSON.stringify({
    id: `eb-${customerId}`,
    'detail-type': 'consent_changed',
    source: 'crm',
    time: runtime.now().toISOString(),
    detail: {
      customerId,
      profile: { timezone: 'UTC', email: 'victim@example.com' },
      consents: [{ channel: 'email', topic: 'marketing', status: 'granted', proof: { source: 'crm-sync' } }],
    },
  });
}

async function consentsOf(customerId: string): Promise<string[]> {
  const snapshot = await runtime.store.getSnapshot(CustomerIdSchema.parse(customerId));
  return snapshot?.consents.map((consent) => `${consent.channel}:${consent.topic}:${consent.status}`) ?? [];
}

it('refuses a cross-site text/plain request to a state-changing control route, and ingests nothing', async () => {
  // Prepare: what `fetch(url, { method: 'POST', mode: 'no-cors', body: '…' })` on https://evil.example sends: no preflight.
  const crossSite = { 'Content-Type': 'text/plain;charset=UTF-8', Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' };

  // Act
  const response = await send('POST', '/_overture/events', crossSite, grant('c-victim'));

  // Assess
  expect({ status: response.status, consents: await consentsOf('c-victim') }).toEqual({ status: 403, consents: [] });
});

it('refuses what a web page or a rebound DNS name can send, before any route runs', async () => {
  // Prepare: a customer the refused erasures would have erased.
  expect((await send('POST', '/_overture/events', { 'Content-Type': 'application/json' }, grant('c-kept'))).status).toBe(200);
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

  // Act
  const statuses = {
    // An HTML form of another site, as a browser sends it.
    crossSiteForm: (await send('POST', '/_overture/customers/c-kept/erase', { ...form, Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' })).status,
    // Another server on this machine (same site, another origin), and a sandboxed frame or a file.
    otherPort: (await send('POST', '/_overture/customers/c-kept/erase', { 'Content-Type': 'application/json', Origin: 'http://localhost:3000' })).status,
    nullOrigin: (await send('POST', '/_overture/customers/c-kept/erase', { 'Content-Type': 'application/json', Origin: 'null' })).status,
    // An <img> or <script> of another site: a GET with no Origin.
    crossSiteGet: (await send('GET', '/_overture/customers/c-kept/history', { 'Sec-Fetch-Site': 'cross-site' })).status,
    sameSiteGet: (await send('GET', '/_overture/customers/c-kept/history', { 'Sec-Fetch-Site': 'same-site' })).status,
    // A page of evil.example whose name now resolves to 127.0.0.1: same origin to the browser, its Host is the name's.
    reboundName: (await send('GET', '/_overture/customers/c-kept/history', { host: `evil.example:${port}` })).status,
    reboundPost: (await send('POST', '/_overture/customers/c-kept/erase', { host: `evil.example:${port}`, 'Content-Type': 'application/json' })).status,
    otherPortHost: (await send('GET', '/_overture/status', { host: `127.0.0.1:${port + 1}` })).status,
    // A body that is not declared JSON, from whoever sends it; a POST declaring none.
    textBody: (await send('POST', '/_overture/events', { 'Content-Type': 'text/plain' }, grant('c-text'))).status,
    formBody: (await send('POST', '/_overture/customers/c-kept/erase', form, '')).status,
    noContentType: (await send('POST', '/_overture/customers/c-kept/erase', {})).status,
  };

  // Assess
  expect(statuses).toEqual({
    crossSiteForm: 403,
    otherPort: 403,
    nullOrigin: 403,
    crossSiteGet: 403,
    sameSiteGet: 403,
    reboundName: 403,
    reboundPost: 403,
    otherPortHost: 403,
    textBody: 415,
    formBody: 415,
    noContentType: 415,
  });
  expect(await consentsOf('c-kept')).toEqual(['email:marketing:granted']);
  expect(await consentsOf('c-text')).toEqual([]);
});

it("answers the stack's own clients: the CLI, a tab on the stack's own origin, any of its loopback names", async () => {
  // Act
  const statuses = {
    cli: (await send('POST', '/_overture/events', { 'Content-Type': 'application/json' }, grant('c-own'))).status,
    ownTab: (await send('POST', '/_overture/events', { 'Content-Type': 'application/json; charset=utf-8', Origin: `http://localhost:${port}`, 'Sec-Fetch-Site': 'same-origin' }, grant('c-own'))).status,
    typedUrl: (await send('GET', '/_overture/status', { host: `localhost:${port}`, 'Sec-Fetch-Site': 'none' })).status,
    ipv6Loopback: (await send('GET', '/_overture/health', { host: `[::1]:${port}`, Origin: `http://[::1]:${port}` })).status,
    bodylessPost: (await send('POST', '/_overture/customers/c-own/erase', { 'Content-Type': 'application/json' })).status,
  };

  // Assess
  expect(statuses).toEqual({ cli: 200, ownTab: 200, typedUrl: 200, ipv6Loopback: 200, bodylessPost: 200 });
});

it("hands the consent API's routes on whatever their origin: browsers and mail clients reach them", async () => {
  // Act
  const oneClick = await send('POST', '/unsubscribe?token=t', { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://mail.example', 'Sec-Fetch-Site': 'cross-site' }, 'List-Unsubscribe=One-Click');
  const page = await send('GET', '/preferences?token=t', { host: `evil.example:${port}`, 'Sec-Fetch-Site': 'cross-site' });

  // Assess
  expect([oneClick.status, page.status]).toEqual([204, 204]);
  expect(handedOn).toEqual(['POST /unsubscribe?token=t', 'GET /preferences?token=t']);
});
