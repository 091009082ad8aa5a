/**
 * The local stack dates everything on its virtual clock, so its ingest checks how far ahead a
 * consent is stated against that clock, not the machine's: a consent dated at the stack's time,
 * years ahead of the machine's, is ingested; one stated a day ahead of the stack's time is refused
 * like on AWS, and nothing of it is written.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { controlRequestListener } from '../../lib/local/control-api';
import { LocalRuntime } from '../../lib/local/runtime';
import { welcome } from '../../workflows/catalog/welcome';
import { testOutdir } from '../local/support';

jest.setTimeout(120_000);

/** Years ahead of any machine's clock that runs these tests. */
const STACK_START = new Date('2031-06-01T09:00:00Z');

function consentChanged(id: string, customerId: string, at: string): Record<string, unknown> {
  return {
    id,
    'detail-type': 'consent_changed',
    source: 'crm',
    time: STACK_START.toISOString(),
    detail: { customerId, consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at, proof: { source: 'crm' } }] },
  };
}

it('checks consents against the stack\'s virtual clock: ingests one dated at its time, refuses one a day ahead of it', async () => {
  // Prepare
  const runtime = await LocalRuntime.start({ journeys: [welcome], start: STACK_START, seed: 1, outdir: testOutdir('local-consent-clock'), inactivityScan: false });
  const server = createServer(controlRequestListener(runtime));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const events = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_overture/events`;
  const post = (body: unknown) => fetch(events, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  try {
    // Act
    const atStackTime = await post(consentChanged('eb-1', 'clock-now', STACK_START.toISOString()));
    const dayAhead = await post(consentChanged('eb-2', 'clock-ahead', new Date(STACK_START.getTime() + 86_400_000).toISOString()));

    // Assess
    expect(atStackTime.status).toBe(200);
    expect(await runtime.store.consentLedger('clock-now')).toHaveLength(1);
    expect(dayAhead.status).toBe(400);
    expect(await dayAhead.text()).toContain("detail.consents.0.at: is more than 5 minutes ahead of the ingest's clock");
    expect(await runtime.store.consentLedger('clock-ahead')).toEqual([]);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await runtime.close();
  }
});
