/**
 * A send step whose Task fails after its retries sends nothing and writes nothing to the send
 * ledger; its `.failed` state records `sendFailed` (what `overture results` counts). The
 * simulation contract says `skipped` lists every send step that did not send, so the report lists
 * it too: `message_invalid` when its template could not be rendered for the customer,
 * `send_failed` for any other error.
 *
 * The failures are recorded as the step's Catch records them (journeyEffectsPorts.recordOutcome)
 * rather than caused by a broken template: the local runtime reads the catalog's own templates
 * folder, which other suites read at the same time, so no test may write a template there.
 */
import { journeyEffectsPorts } from '../../lib/ingest/journey-records';
import { checkReport, parseScenario, type Report } from '../../lib/scenario';
import { buildReport, simulate } from '../../lib/simulate/simulate';
import { CustomerStore } from '../../lib/store';
import { journeys } from '../../workflows';
import { testOutdir } from '../local/support';
import { customer } from '../scenario/fixtures';

jest.setTimeout(300_000);

const orderReceipt = {
  formatVersion: 1,
  id: 'order-receipt',
  name: 'Order receipt',
  entry: { type: 'entry', id: 'entry', trigger: { kind: 'event', events: ['order_placed'] }, reEntry: { rule: 'always' }, next: 'receipt' },
  nodes: [
    { type: 'send', id: 'receipt', templateId: 'preference-request', topic: 'transactional', channels: ['email'], next: 'done' },
    { type: 'exit', id: 'done' },
  ],
};

describe('simulate with a send step that failed after its retries', () => {
  it('lists it in skipped: message_invalid when its template cannot be rendered for the customer, send_failed for another error', async () => {
    // Prepare: one order that sends its receipt, so the report has a message to keep apart from the failures
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

    // Act: once the run is over, the records the step's Catch writes for two other executions of
    // the step (a template that cannot be rendered, a timeout), and the report read again
    let withFailures: Report | undefined;
    const report = await simulate(scenario, {
      outdir: testOutdir('send-failure-report'),
      inspect: async (runtime) => {
        const store = new CustomerStore({ client: runtime.clients.dynamodb, tableName: runtime.tableName });
        const ports = journeyEffectsPorts({ store, client: runtime.clients.dynamodb, tableName: runtime.tableName });
        const step = { customerId: 'c-001', journey: 'order-receipt', step: 'receipt' };
        await ports.recordOutcome({ ...step, execution: 'order-receipt-c-001-order_placed-2', kind: 'sendFailed', error: 'TemplateRenderError', at: '2026-03-03T09:00:00.000Z' });
        await ports.recordOutcome({ ...step, execution: 'order-receipt-c-001-order_placed-3', kind: 'sendFailed', error: 'States.Timeout', at: '2026-03-03T10:00:00.000Z' });
        withFailures = await buildReport(runtime, scenario);
      },
    });

    // Assess
    expect(report.messages.map((message) => message.step)).toEqual(['receipt']);
    expect(report.skipped).toEqual([]);
    expect(withFailures?.messages).toEqual(report.messages);
    expect(withFailures?.skipped.map((skip) => [skip.execution, skip.step, skip.reason, skip.at])).toEqual([
      ['order-receipt-c-001-order_placed-2', 'receipt', 'message_invalid', '2026-03-03T09:00:00Z'],
      ['order-receipt-c-001-order_placed-3', 'receipt', 'send_failed', '2026-03-03T10:00:00Z'],
    ]);
    expect(withFailures?.summary).toMatchObject({ messages: 1, skipped: 2, byReason: { message_invalid: 1, send_failed: 1 } });
    // The independent checker of the contract's rules takes either reason
    expect([report, withFailures].map((read) => (read === undefined ? ['no report'] : checkReport(scenario, read)))).toEqual([[], []]);
  });
});
