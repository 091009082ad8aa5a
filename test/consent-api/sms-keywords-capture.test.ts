/**
 * STOP and START against a number someone else typed into the public capture form: `POST /consents`
 * needs no proof that the number is the caller's, so a new customer can be stored with anyone's
 * number. That must take neither the number's STOP nor its START away from the customer it
 * belongs to.
 */
import { LocalSmsOutbox } from '../../lib/channels/sms-outbox';
import { decideDelivery } from '../../lib/permission';
import { handleInboundSms, type InboundSmsDependencies, type InboundSmsOutcome } from '../../lib/sms-keywords/handle-inbound-sms';
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

describe('START and a number captured again by someone else', () => {
  let inbound: InboundSmsDependencies;
  let quiet: jest.SpyInstance;
  beforeAll(() => {
    inbound = { store: api.store, phoneIndex: api.deps.phoneIndex, replies: api.smsOutbox, helpText: 'help', providerOptOuts: api.smsOutbox };
  });
  // The stranger's confirmation text to a number that said STOP is refused, and reported on the console.
  beforeEach(() => {
    quiet = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => quiet.mockRestore());

  /** The customer's SMS marketing consent now. */
  async function smsMarketingStatus(customerId: string): Promise<string | undefined> {
    return (await api.store.requireSnapshot(customerId)).consents.find((state) => state.channel === 'sms' && state.topic === 'marketing')?.status;
  }

  /** `body` texted from `phone` now; the clock then moves a minute on. */
  async function text(phone: string, body: string, inboundMessageId: string): Promise<InboundSmsOutcome> {
    const outcome = await handleInboundSms(inbound, { originationNumber: phone, destinationNumber: '+12125550000', messageBody: body, inboundMessageId }, api.clock.now().toISOString());
    api.clock.advance(60_000);
    return outcome;
  }

  /** A POST /consents asking texts to `phone` for `customerId`; the clock then moves a minute on. */
  async function captureSms(customerId: string, phone: string): Promise<void> {
    expect((await postJson(`${api.url}/consents`, captureBody(customerId, { phone, channels: ['sms'], email: undefined }))).status).toBe(202);
    api.clock.advance(60_000);
  }

  it("opts the customer in on their START though a stranger's capture named their number for a made-up id after their STOP", async () => {
    // Prepare: the customer signed up for texts, confirmed with YES, and later said STOP.
    const phone = '+12125557001';
    const customerId = newCustomerId('start-owner');
    await captureSms(customerId, phone);
    await text(phone, 'YES', 'start-1-yes');
    await text(phone, 'STOP', 'start-1-stop');
    // A stranger who knows the number, with a made-up id.
    const stranger = newCustomerId('start-stranger');
    await captureSms(stranger, phone);
    // Act
    const outcome = await text(phone, 'START', 'start-1-start');
    // Assess: the customer is granted again, the stranger's id nothing.
    expect(outcome).toEqual({ kind: 'opted_in', keyword: 'START', customerId, topics: ['marketing'] });
    expect(await smsMarketingStatus(customerId)).toBe('granted');
    expect(await smsMarketingStatus(stranger)).toBe('pending');
  });

  it("opts the customer in on their START though the STOP before it also revoked a stranger's request for the number", async () => {
    // Prepare: the stranger's capture comes first, so the customer's STOP revokes its request too.
    const phone = '+12125557003';
    const customerId = newCustomerId('start-owner');
    await captureSms(customerId, phone);
    await text(phone, 'YES', 'start-2-yes');
    const stranger = newCustomerId('start-stranger');
    await captureSms(stranger, phone);
    await text(phone, 'STOP', 'start-2-stop');
    // Act
    const outcome = await text(phone, 'START', 'start-2-start');
    // Assess
    expect(outcome).toEqual({ kind: 'opted_in', keyword: 'START', customerId, topics: ['marketing'] });
    expect(await smsMarketingStatus(customerId)).toBe('granted');
    expect(await smsMarketingStatus(stranger)).toBe('revoked');
  });

  it('still grants nothing when two customers holding the number each gave a grant from it', async () => {
    // Prepare: a household's phone, confirmed from it for two customers; a stranger's request beside them.
    const phone = '+12125557004';
    const household = [newCustomerId('start-household'), newCustomerId('start-household')];
    for (const customerId of household) {
      const profile = aProfile(customerId, { phone, updatedAt: '2026-03-01T10:00:00Z' });
      await api.store.putProfile(profile);
      await indexProfilePhone(api.deps.phoneIndex, profile);
      await api.store.recordConsent(customerId, { channel: 'sms', topic: 'marketing', status: 'granted', at: '2026-03-01T10:00:00Z', proof: { source: 'sms-keyword:YES', phone } });
    }
    await captureSms(newCustomerId('start-stranger'), phone);
    await text(phone, 'STOP', 'start-3-stop');
    // Act
    const outcome = await text(phone, 'START', 'start-3-start');
    // Assess
    expect(outcome).toMatchObject({ kind: 'shared_number', keyword: 'START' });
    expect(await Promise.all(household.map(smsMarketingStatus))).toEqual(['revoked', 'revoked']);
  });
});
