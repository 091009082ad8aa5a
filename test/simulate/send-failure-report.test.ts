/**
 * A send step whose Task fails after its retries sends nothing and writes nothing to the send
 * ledger; its `.failed` state records `sendFailed` (what `overture results` counts). The
 * simulation contract says `skipped` lists every send step that did not send, so the report lists
 * it too: `message_invalid` when its template could not be rendered for the customer,
 * `send_failed` for any other error.
 *
 * The local runtime reads its templates from workflows/templates only, so the test's template is
 * written there for the run, under a name no catalog template takes, and removed after it.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { journeyEffectsPorts } from '../../lib/ingest/journey-records';
import { readJourneyRecords } from '../../lib/local/journey-results';
import { checkReport, parseScenario, type Report } from '../../lib/scenario';
import { buildReport, simulate } from '../../lib/simulate/simulate';
import { CustomerStore } from '../../lib/store';
import { journeys } from '../../workflows';
import { testOutdir } from '../local/support';
import { customer } from '../scenario/fixtures';

jest.setTimeout(300_000);

const TEMPLATE_ID = 'zz-test-order-receipt';
const TEMPLATE = path.join(__dirname, '../../workflows/templates', TEMPLATE_ID);

beforeAll(() => {
  rmSync(TEMPLATE, { recursive: true, force: true });
  mkdirSync(TEMPLATE, { recursive: true });
  // Prints an attribute without `default`: rendering throws for a customer who lacks it.
  writeFileSync(path.join(TEMPLATE, 'email.subject.liquid'), 'Your order');
  writeFileSync(path.join(TEMPLATE, 'email.html.liquid'), '<p><a href="{{ customer.attributes.orderUrl }}">Your order</a></p>');
  writeFileSync(path.join(TEMPLATE, 'email.text.liquid'), 'Your order: {{ customer.attributes.orderUrl }}\n');
  writeFileSync(path.join(TEMPLATE, 'transactional.md'), 'A receipt for the order the customer placed.\n');
});
afterAll(() => rmSync(TEMPLATE, { recursive: true, force: true }));

const orderReceipt = {
  formatVersion: 1,
  id: 'order-receipt',
  name: 'Order receipt',
  entry: { type: 'entry', id: 'entry', trigger: { kind: 'event', events: ['order_placed'] }, reEntry: { rule: 'always' }, next: 'receipt' },
  nodes: [
    { type: 'send', id: 'receipt', templateId: TEMPLATE_ID, topic: 'transactional', channels: ['email'], next: 'done' },
    { type: 'exit', id: 'done' },
  ],
};

describe('simulate with a send step that failed after its retries', () => {
  it('lists it in skipped: message_invalid when its template cannot be rendered for the customer, send_failed for another error', async () => {
    // Prepare: c-001 has no orderUrl attribute, so rendering throws at send time
    const scenario = parseScenario(
      {
        start: '2026-03-02T09:00:00Z',
        until: '2026-03-04T00:00:00Z',
        seed: 1,
        journeys: [orderReceipt],
        customers: [customer()],
        events: [{ at: '2026-03-02T15:00:00Z', customerId: 'c-001', type: 'event', name: 'order_placed', properties: {} }],
      },
      { knownJourneys: Object.keys(journeys) },
    );

    // Act: and, once the run is over, the record the same step's Catch writes for a timeout in
    // another execution, with the report read again
    let failures: string[] = [];
    let withTimeout: Report | undefined;
    const report = await simulate(scenario, {
      outdir: testOutdir('send-failure-report'),
      inspect: async (runtime) => {
        const records = await readJourneyRecords(runtime.clients.dynamodb, runtime.tableName, 'order-receipt');
        failures = records.failures.map((failure) => `${failure.step}: ${failure.error}`);
        const store = new CustomerStore({ client: runtime.clients.dynamodb, tableName: runtime.tableName });
        const ports = journeyEffectsPorts({ store, client: runtime.clients.dynamodb, tableName: runtime.tableName });
        const ids = { customerId: 'c-001', journey: 'order-receipt', execution: 'order-receipt-c-001-order_placed-2', step: 'receipt' };
        await ports.recordOutcome({ ...ids, kind: 'sendFailed', error: 'States.Timeout', at: '2026-03-03T10:00:00.000Z' });
        withTimeout = await buildReport(runtime, scenario);
      },
    });

    // Assess
    expect(failures).toEqual(['receipt: TemplateRenderError']);
    expect(report.messages).toEqual([]);
    expect(report.skipped).toEqual([{ customerId: 'c-001', journey: 'order-receipt', execution: expect.any(String), step: 'receipt', reason: 'message_invalid', at: expect.any(String) }]);
    expect(Date.parse(report.skipped[0]?.at ?? '')).toBeGreaterThanOrEqual(Date.parse('2026-03-02T15:00:00Z'));
    expect(report.summary).toMatchObject({ skipped: 1, byReason: { message_invalid: 1 } });
    expect(withTimeout?.skipped.map((skip) => [skip.execution, skip.reason, skip.at])).toEqual([
      [report.skipped[0]?.execution, 'message_invalid', report.skipped[0]?.at],
      ['order-receipt-c-001-order_placed-2', 'send_failed', '2026-03-03T10:00:00Z'],
    ]);
    // The independent checker of the contract's rules takes either reason
    expect([report, withTimeout].map((read) => (read === undefined ? ['no report'] : checkReport(scenario, read)))).toEqual([[], []]);
  });
});
