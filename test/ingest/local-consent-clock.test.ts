/**
 * The local stack dates everything on its virtual clock, so its ingest checks how far ahead an
 * event's time or a consent is stated against that clock, not the machine's: what is dated at the
 * stack's time, years ahead of the machine's, is ingested; what is dated a day ahead of the
 * stack's time is refused like on AWS, and nothing of it is written.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { controlRequestListener } from '../../lib/local/control-api';
import { LocalRuntime } from '../../lib/local/runtime';
import { welcome } from '../../workflows/catalog/welcome';
import { testOutdir } from '../local/support';

jest.setTimeout(120_000);

/** Years ahead of any machine's clock that runs these tests. */
const STACK_START = new Date('2031-06-01T09:00:00Z');
const DAY_AHEAD = new Date(STACK_START.getTime() + 86_400_000).toISOString();

let runtime: LocalRuntime;
let server: Server;

beforeAll(async () => {
  runtime = await LocalRuntime.start({ journeys: [welcome], start: STACK_START, seed: 1, outdir: testOutdir('local-consent-clock'), inactivityScan: false });
  server = createServer(controlRequestListener(runtime));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await runtime.close();
});

function post(body: unknown): Promise<Response> {
  const events = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_overture/events`;
  return fetch(events, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function consentChanged(id: string, customerId: string, at: string): Record<string, unknown> {
  return {
    id,
    'detail-type': 'consent_changed',
    source: 'crm',
    time: STACK_START.toISOString(),
    detail: { customerId, consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at, proof: { source: 'crm' } }] },
  };
}

function profileChanged(id: string, customerId: string, time: string): Record<string, unknown> {
  return { id, 'detail-type': 'profile_changed', source: 'crm', time, detail: { customerId, profile: { timezone: 'UTC' }, preferences: { channels: ['email'] } } };
}

it('checks consents against the stack\'s virtual clock: ingests one dated at its time, refuses one a day ahead of it', async () => {
  // Act
  const atStackTime = await post(consentChanged('eb-1', 'clock-now', STACK_START.toISOString()));
  const dayAhead = await post(consentChanged('eb-2', 'clock-ahead', DAY_AHEAD));

  // Assess
  expect(atStackTime.status).toBe(200);
  expect(await runtime.store.consentLedger('clock-now')).toHaveLength(1);
  expect(dayAhead.status).toBe(400);
  expect(await dayAhead.text()).toContain("detail.consents.0.at: is more than 5 minutes ahead of the ingest's clock");
  expect(await runtime.store.consentLedger('clock-ahead')).toEqual([]);
});

it('checks an event\'s time against the stack\'s virtual clock: ingests profile fields and preferences dated at its time, refuses them a day ahead of it', async () => {
  // Act
  const atStackTime = await post(profileChanged('eb-3', 'profile-now', STACK_START.toISOString()));
  const dayAhead = await post(profileChanged('eb-4', 'profile-ahead', DAY_AHEAD));

  // Assess
  expect(atStackTime.status).toBe(200);
  expect((await runtime.store.readEventState('profile-now')).profile).toBeDefined();
  expect(dayAhead.status).toBe(400);
  expect(await dayAhead.text()).toContain("time: is more than 5 minutes ahead of the ingest's clock");
  expect(await runtime.store.readEventState('profile-ahead')).toEqual({ profile: undefined, attributes: new Map() });
});
