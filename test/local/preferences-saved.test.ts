/**
 * `prospect-nurture` asks a lead for their preferences and reminds them after three days unless
 * they gave them. A save in the preference centre is what giving them means: it must end the wait
 * (lib/ingest/observed-event.ts), or every lead who answered is reminded all the same. Run on the
 * local runtime: the real handlers, the synthesized state machine and the emulators.
 */
import { signLinkToken, type ConsentApiDependencies } from '../../lib/consent-api/dependencies';
import { applyPreferenceForm } from '../../lib/consent-api/preference-centre';
import { PreferenceFormSchema } from '../../lib/consent-api/requests';
import { CustomerIdSchema } from '../../lib/customer/model';
import { localConsentApiDependencies } from '../../lib/local/consent-api-wiring';
import { sendLedgerOf } from '../../lib/local/customer-history';
import { LocalRuntime } from '../../lib/local/runtime';
import { prospectNurture } from '../../workflows/catalog/prospect-nurture';
import { scheduleCustomerEvent, testOutdir } from './support';

jest.setTimeout(300_000);

// Monday 2 March 2026, 09:00 UTC: a lead who answers gets the first nurture on Tuesday 3 March at
// 10:00 in London; a silent one is reminded on Thursday 5 March and nurtured on Tuesday 10 March.
const START = Date.parse('2026-03-02T09:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let runtime: LocalRuntime;
let deps: ConsentApiDependencies;

beforeAll(async () => {
  runtime = await LocalRuntime.start({ journeys: [prospectNurture], start: new Date(START), seed: 4, outdir: testOutdir('preferences-saved'), inactivityScan: false });
  deps = localConsentApiDependencies(runtime);
});
afterAll(() => runtime.close());

/** A prospect with email marketing consent, captured as a lead a minute after the start. */
async function captureLead(customerId: string): Promise<void> {
  await runtime.store.importCustomer({
    profile: { customerId, stage: 'prospect', timezone: 'Europe/London', email: `${customerId}@example.com`, updatedAt: new Date(START).toISOString() },
    consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', proof: { source: 'web-form' } }],
  });
  scheduleCustomerEvent(runtime, { name: 'lead_captured', customerId, eventId: `${customerId}-lead`, at: START + 60_000, touchpoint: 'web' });
}

/** At virtual `at`, the customer saves the preference centre opened from the link of their ask. */
function savePreferencesAt(customerId: string, at: number): void {
  runtime.schedule({
    at,
    order: [customerId],
    key: customerId,
    run: async () => {
      const token = signLinkToken(deps.links, { customerId: CustomerIdSchema.parse(customerId), channel: 'email', topic: 'transactional', purpose: 'preferences' }, runtime.now());
      const form = PreferenceFormSchema.parse({ action: 'save', channel1: 'email', consent: ['email:marketing'], windowStart: '17:00', windowEnd: '20:00' });
      await applyPreferenceForm(deps, token, form, { ip: '203.0.113.7' });
    },
  });
}

async function sentSteps(customerId: string): Promise<string[]> {
  const ledger = await sendLedgerOf(runtime.clients.dynamodb, runtime.tableName, customerId);
  return ledger.filter((entry) => entry.status === 'sent').map((entry) => entry.step);
}

describe('a lead asked for their preferences', () => {
  it('is not reminded after saving them in the preference centre', async () => {
    // Prepare
    await captureLead('lead-answers');
    await captureLead('lead-silent');
    savePreferencesAt('lead-answers', START + 2 * HOUR);

    // Act: past the three days of the ask, short of the silent lead's first nurture.
    await runtime.run(new Date(START + 5 * DAY));

    // Assess
    expect(await sentSteps('lead-answers')).toEqual(['ask-preferences', 'nurture-1']);
    expect(await sentSteps('lead-silent')).toEqual(['ask-preferences', 'remind-preferences']);
  });
});
