/**
 * STOP against a number someone else typed into the public capture form: `POST /consents` needs
 * no proof that the number is the caller's, so a new customer can be stored with anyone's number.
 * That must not take the number's STOP away from the customer it belongs to.
 */
import { LocalSmsOutbox } from '../../lib/channels/sms-outbox';
import { decideDelivery } from '../../lib/permission';
import { handleInboundSms } from '../../lib/sms-keywords/handle-inbound-sms';
import { indexProfilePhone } from '../../lib/store/phone-index';
import { aProfile, newCustomerId } from '../store/fixtures';
import { captureBody, postJson, startConsentApiHarness, type ConsentApiHarness } from './harness';

let api: ConsentApiHarness;

beforeAll(async () => {
  api = await startConsentApiHarness({ start: '2026-03-02T15:00:00Z' });
});
afterAll(() => api.stop());

/** What the permission gate decides now for a marketing text to the customer. */
async function smsMarketingDecision(customerId: string): Promise<string> {
  return decideDelivery(await api.store.requireSnapshot(customerId), { topic: 'marketing', channels: ['sms'] }, api.clock.now()).kind;
}

describe('STOP and a number captured again by someone else', () => {
  it('still stops marketing texts to the customer the number belongs to after a POST /consents names it for a new customer', async () => {
    // Prepare: the owner's profile, with SMS marketing granted in store.
    const phone = '+12125557002';
    const owner = newCustomerId('owner');
    const profile = aProfile(owner, { phone, updatedAt: '2026-03-01T10:00:00Z' });
    await api.store.putProfile(profile);
    await indexProfilePhone(api.deps.phoneIndex, profile);
    await api.store.recordConsent(owner, { channel: 'sms', topic: 'marketing', status: 'granted', at: '2026-03-01T10:00:00Z', proof: { source: 'store' } });
    // Anyone, with a fresh customer id and the owner's number:
    const other = newCustomerId('other');
    const captured = await postJson(`${api.url}/consents`, captureBody(other, { phone, channels: ['sms'], email: undefined }));
    expect(captured.status).toBe(202);
    api.clock.advance(60_000);
    expect(await smsMarketingDecision(owner)).toBe('send');
    const replies = new LocalSmsOutbox({ originationIdentity: '+12125550000', configurationSetName: 'overture-sms' });
    // Act
    await handleInboundSms(
      { store: api.store, phoneIndex: api.deps.phoneIndex, replies, helpText: 'help' },
      { originationNumber: phone, destinationNumber: '+12125550000', messageBody: 'STOP', inboundMessageId: 'inbound-capture-1' },
      api.clock.now().toISOString(),
    );
    api.clock.advance(60_000);
    // Assess
    expect(await smsMarketingDecision(owner)).toBe('skip');
    expect(await smsMarketingDecision(other)).toBe('skip');
  });
});
