/**
 * `overture erase CUSTOMER` on a stopped stack's data folder and through a running stack's control
 * route: the customer's records and phone-index items go, a tombstone stays, the customer's later
 * events are refused, and `overture why` says when the customer was erased.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { parseCustomerEvent, type CustomerEvent } from '../../lib/ingest/customer-event';
import { controlRequestListener } from '../../lib/local/control-api';
import { LocalRuntime } from '../../lib/local/runtime';
import { customersHoldingPhone } from '../../lib/store/phone-index';
import { welcome } from '../../workflows/catalog/welcome';
import { overture } from '../support/cli';
import { temporaryDataDir, testOutdir } from './support';

jest.setTimeout(300_000);

const START = Date.parse('2026-03-02T09:00:00Z');

/** A consent sync with the customer's phone, as the bus delivers it, at `at`. */
function consentSync(customerId: string, phone: string, at: Date): unknown {
  return {
    id: `eb-${customerId}-${at.getTime()}`,
    'detail-type': 'consent_changed',
    source: 'crm',
    time: at.toISOString(),
    detail: { customerId, profile: { timezone: 'UTC', phone }, consents: [{ channel: 'sms', topic: 'marketing', status: 'granted', proof: { source: 'crm-sync' } }] },
  };
}

function parsed(event: unknown, now: Date): CustomerEvent {
  const result = parseCustomerEvent(event, { now });
  if (!result.valid) throw new Error(result.reason);
  return result.event;
}

/** The items of the runtime's table that name `needle`, as plain JSON. */
async function itemsNaming(runtime: LocalRuntime, needle: string): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: runtime.clients.dynamodb }, { TableName: runtime.tableName })) {
    for (const item of page.Items ?? []) if (JSON.stringify(unmarshall(item)).includes(needle)) found.push(unmarshall(item));
  }
  return found;
}

describe('overture erase', () => {
  it('erases a customer of a stopped stack, leaving only the tombstone, after which the stack refuses their events; a bad id exits 2', async () => {
    // Prepare
    const data = temporaryDataDir('erase-cli');
    const cdkOut = testOutdir('erase-cli');
    const phone = '+12125550161';
    const first = await LocalRuntime.start({ dataDir: data, journeys: [welcome], start: new Date(START), seed: 7, outdir: cdkOut, inactivityScan: false });
    try {
      await first.ingestEvent(parsed(consentSync('c-erase-cli', phone, first.now()), first.now()));
    } finally {
      await first.close();
    }

    // Act
    const erased = await overture('erase', 'c-erase-cli', '--data', data, '--json');
    const bad = await overture('erase', phone, '--data', data);
    const why = await overture('why', 'c-erase-cli', '--data', data);
    const whyJson = await overture('why', 'c-erase-cli', '--data', data, '--json');
    const sent = await overture('send-event', 'signed_up', '--customer', 'c-erase-cli', '--data', data, '--cdk-out', cdkOut);
    const second = await LocalRuntime.start({ dataDir: data, journeys: [welcome], seed: 7, outdir: cdkOut, inactivityScan: false });
    let late: unknown;
    let left: Record<string, unknown>[];
    let holders: string[];
    try {
      late = await second.ingestEvent(parsed(consentSync('c-erase-cli', phone, second.now()), second.now())).catch((error: unknown) => error);
      left = await itemsNaming(second, 'c-erase-cli');
      holders = await customersHoldingPhone({ client: second.clients.dynamodb, tableName: second.tableName }, phone);
    } finally {
      await second.close();
    }

    // Assess
    expect(erased.status).toBe(0);
    expect(JSON.parse(erased.stdout)).toMatchObject({ customerId: 'c-erase-cli', itemsDeleted: expect.any(Number), phoneIndexItemsDeleted: 1 });
    expect(bad).toEqual({ status: 2, stdout: '', stderr: expect.stringContaining('a customer id, not an address or a number') });
    expect(bad.stderr).not.toContain(phone);
    const { erasedAt } = JSON.parse(erased.stdout) as { erasedAt: string };
    expect(why).toEqual({ status: 0, stdout: `Customer c-erase-cli was erased at ${erasedAt}: nothing of theirs is kept but the erasure's own record (their id and this time).\n`, stderr: '' });
    expect(JSON.parse(whyJson.stdout)).toEqual({ customerId: 'c-erase-cli', erasedAt, entries: [] });
    expect(late).toMatchObject({ name: 'ErasedCustomerError' });
    expect(sent).toMatchObject({ status: 2, stdout: '', stderr: expect.stringMatching(/^overture: customer c-erase-cli was erased at \S+: the event is refused, nothing was written\n$/) });
    expect(left.map((item) => item.sk)).toEqual(['STATE#ERASED']);
    expect(holders).toEqual([]);
  });

  it('erases through the running stack\'s control route, which then answers the customer\'s events 409', async () => {
    // Prepare
    const runtime = await LocalRuntime.start({ journeys: [welcome], start: new Date(START), seed: 8, outdir: testOutdir('erase-route'), inactivityScan: false });
    const server = createServer(controlRequestListener(runtime));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_overture`;
    try {
      const phone = '+12125550162';
      const post = (route: string, body?: unknown) =>
        fetch(`${base}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      expect((await post('/events', consentSync('c-erase-route', phone, runtime.now()))).status).toBe(200);

      // Act
      const erased = await post('/customers/c-erase-route/erase');
      const notAnId = await post(`/customers/${encodeURIComponent('not an id')}/erase`);
      const late = await post('/events', consentSync('c-erase-route', phone, runtime.now()));
      const history = await fetch(`${base}/customers/c-erase-route/history`);

      // Assess
      expect(erased.status).toBe(200);
      expect(await erased.json()).toMatchObject({ customerId: 'c-erase-route', erasedAt: runtime.now().toISOString(), phoneIndexItemsDeleted: 1 });
      expect(notAnId.status).toBe(400);
      expect(late.status).toBe(409);
      expect(await late.json()).toEqual({ message: expect.stringMatching(/^customer c-erase-route was erased at .*: the event is refused, nothing was written$/) });
      expect((await itemsNaming(runtime, 'c-erase-route')).map((item) => item.sk)).toEqual(['STATE#ERASED']);
      expect(await history.json()).toEqual({ customerId: 'c-erase-route', erasedAt: runtime.now().toISOString(), entries: [] });
      expect(await itemsNaming(runtime, phone)).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await runtime.close();
    }
  });
});
