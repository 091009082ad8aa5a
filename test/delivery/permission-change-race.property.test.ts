/**
 * A consent, suppression or preference change, or a change of the time zone, email or phone on
 * the profile, that lands while a Send step runs, on the real DynamoDB and SES emulators: recorded
 * before the step's reservation, it decides the step (the step sends exactly what the gate allows
 * with the change, to the address on file with it, and nothing else); recorded after the
 * reservation, it is too late for that message, as it would be once the provider has it.
 */
import fc from 'fast-check';
import { LocalSmsOutbox, SesEmailSender, type DirectMailSender } from '../../lib/channels';
import { TRANSACTIONAL, type Channel, type CustomerSnapshot, type Preferences } from '../../lib/customer/model';
import { deliverMessage, type DeliveryPorts } from '../../lib/delivery/deliver-message';
import { decideDelivery } from '../../lib/permission';
import { CustomerStore, type ReserveSendOutcome, type ReserveSendRequest } from '../../lib/store';
import { loadTemplateCatalog } from '../../lib/templates';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startSesLocal, type SesLocal } from '../support/ses-local';
import { welcomeStep } from '../support/send-steps';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

// Tens of runs against the emulators: seconds on an idle machine, a minute or more on a loaded one.
jest.setTimeout(240_000);

/** 12:00 in New York: email and SMS are both open. */
const NOON = new Date('2026-03-02T17:00:00Z');
const GRANTED_AT = '2026-03-01T12:00:00Z';
/** When the change was stated: before the step, so it counts at NOON. */
const CHANGED_AT = '2026-03-02T16:59:00Z';

/** When the change is recorded, relative to the step's own read and reservation. */
const MOMENTS = ['before_read', 'after_read', 'after_reservation'] as const;
type Moment = (typeof MOMENTS)[number];

type Change =
  | { readonly kind: 'revoke'; readonly channel: Channel }
  | { readonly kind: 'suppress'; readonly channel: Channel }
  | { readonly kind: 'preferences'; readonly preferences: Preferences }
  /** A grant of another topic: it moves the version on, and must not stop the message. */
  | { readonly kind: 'unrelated'; readonly channel: Channel }
  /** A move to a zone where it is 02:00: texts must wait for 08:00 there. */
  | { readonly kind: 'timezone'; readonly timezone: string }
  /** A new email address or phone number: the message goes to the one on file at its reservation. */
  | { readonly kind: 'address'; readonly channel: Channel };

/** A store that records `change` at `moment` of the next Send step, once. */
class StoreWithChangeInFlight extends CustomerStore {
  private planned: { readonly moment: Moment; readonly record: () => Promise<unknown> } | undefined;

  /** The moment of a change planned and not recorded yet. */
  get pending(): Moment | undefined {
    return this.planned?.moment;
  }

  plan(moment: Moment, record: () => Promise<unknown>): void {
    this.planned = { moment, record };
  }

  override async getDecisionSnapshot(customerId: string, message: { channels: readonly Channel[]; topic: string }): Promise<CustomerSnapshot | undefined> {
    const snapshot = await super.getDecisionSnapshot(customerId, message);
    await this.recordIfDue('after_read');
    return snapshot;
  }

  override async reserveSend(request: ReserveSendRequest): Promise<ReserveSendOutcome> {
    const outcome = await super.reserveSend(request);
    await this.recordIfDue('after_reservation');
    return outcome;
  }

  async recordIfDue(moment: Moment): Promise<void> {
    if (this.planned?.moment !== moment) return;
    const { record } = this.planned;
    this.planned = undefined;
    await record();
  }
}

let dynamo: DynaliteHarness;
let ses: SesLocal;
let store: StoreWithChangeInFlight;
let sms: LocalSmsOutbox;
let ports: DeliveryPorts;
let customerSequence = 0;

beforeAll(async () => {
  [dynamo, ses] = await Promise.all([startDynalite(), startSesLocal()]);
  store = new StoreWithChangeInFlight({ client: dynamo.client, tableName: await createCustomerTable(dynamo.client, 'permission-race') });
  sms = new LocalSmsOutbox({ originationIdentity: 'pool-test', configurationSetName: 'overture-test' });
  // The steps of these tests allow email and SMS only; a letter would be a bug.
  const noLetters: DirectMailSender = { send: () => Promise.reject(new Error('no letter expected')) };
  ports = {
    store,
    templates: loadTemplateCatalog('workflows/templates'),
    links: { baseUrl: 'https://preferences.example.com', secret: 'permission-race-test-link-signing-secret-0123' },
    senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
    senders: {
      email: new SesEmailSender(ses.client, { fromEmailAddress: 'journeys@example.com', configurationSetName: 'overture-test' }),
      sms,
      mail: noLetters,
    },
    now: () => NOON,
  };
});

afterAll(async () => {
  await Promise.all([dynamo.stop(), ses.stop()]);
});

/** A customer's two email addresses and two phone numbers: the profile's first, and the ones an address change moves it to. */
interface Addresses {
  readonly email: string;
  readonly phone: string;
  readonly newEmail: string;
  readonly newPhone: string;
}

/** A customer in New York with an email address and a phone, who granted marketing on both the day before. */
async function enrolledCustomer(): Promise<{ customerId: string } & Addresses> {
  customerSequence += 1;
  const customerId = `race-${customerSequence}`;
  const email = `race${customerSequence}@example.com`;
  const phone = `+1212555${String(customerSequence % 10_000).padStart(4, '0')}`;
  await store.putProfile({ customerId, stage: 'prospect', timezone: 'America/New_York', email, phone, updatedAt: GRANTED_AT });
  for (const channel of ['email', 'sms'] as const) {
    await store.recordConsent(customerId, { channel, topic: 'marketing', status: 'granted', at: GRANTED_AT, proof: { source: 'web-form' } });
  }
  const newEmail = `race${customerSequence}.moved@example.com`;
  const newPhone = `+1212556${String(customerSequence % 10_000).padStart(4, '0')}`;
  return { customerId, email, phone, newEmail, newPhone };
}

function recordChange(customerId: string, change: Change, addresses: Addresses): Promise<unknown> {
  switch (change.kind) {
    case 'revoke':
      return store.recordConsent(customerId, { channel: change.channel, topic: 'marketing', status: 'revoked', at: CHANGED_AT, proof: { source: 'preference-centre' } });
    case 'suppress':
      return store.addSuppression(customerId, { channel: change.channel, reason: 'hard_bounce', at: CHANGED_AT });
    case 'preferences':
      return store.putPreferences(customerId, change.preferences, { at: CHANGED_AT });
    case 'unrelated':
      return store.recordConsent(customerId, { channel: change.channel, topic: 'newsletter', status: 'granted', at: CHANGED_AT, proof: { source: 'web-form' } });
    case 'timezone':
      return store.updateProfile(customerId, { timezone: change.timezone }, CHANGED_AT);
    case 'address':
      return store.updateProfile(customerId, change.channel === 'email' ? { email: addresses.newEmail } : { phone: addresses.newPhone }, CHANGED_AT);
  }
}

const channelArb = fc.constantFrom<Channel>('email', 'sms');
const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('revoke' as const), channel: channelArb }),
  fc.record({ kind: fc.constant('suppress' as const), channel: channelArb }),
  fc.record({
    kind: fc.constant('preferences' as const),
    preferences: fc.record(
      {
        channels: fc.shuffledSubarray<Channel>(['email', 'sms'], { minLength: 1 }),
        maxPerWeek: fc.constant(0),
        quietHours: fc.constant({ start: '11:00', end: '13:00' }),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ kind: fc.constant('unrelated' as const), channel: channelArb }),
  fc.record({ kind: fc.constant('timezone' as const), timezone: fc.constantFrom('Asia/Tokyo', 'America/Chicago') }),
  fc.record({ kind: fc.constant('address' as const), channel: channelArb }),
);

describe('a permission change while a Send step runs', () => {
  it('decides the step when recorded before its reservation, and only then', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('marketing', TRANSACTIONAL),
        fc.shuffledSubarray<Channel>(['email', 'sms'], { minLength: 1 }),
        changeArb,
        fc.constantFrom(...MOMENTS),
        async (topic, channels, change, moment) => {
          // Prepare
          const { customerId, ...addresses } = await enrolledCustomer();
          const step = welcomeStep(customerId, channels, { topic });
          const before = await store.requireSnapshot(customerId);
          store.plan(moment, () => recordChange(customerId, change, addresses));
          await store.recordIfDue('before_read');

          // Act
          const outcome = await deliverMessage(ports, step);
          expect(store.pending).toBeUndefined();

          // Assess: the gate's answer on the records as they stood at the reservation, sent to the
          // addresses on file then (and to no other of the customer's).
          const after = await store.requireSnapshot(customerId);
          const reserved = moment === 'after_reservation' ? before : after;
          const decided = decideDelivery(reserved, { topic, channels }, NOON);
          const stored = await ses.messages();
          const emailsTo = (email: string) => stored.filter((message) => message.destination.to.includes(email)).length;
          const textsTo = (phone: string) => sms.messages().filter((text) => text.input.DestinationPhoneNumber === phone).length;
          const emails = emailsTo(reserved.profile.email ?? '');
          const texts = textsTo(reserved.profile.phone ?? '');
          expect(emailsTo(addresses.email) + emailsTo(addresses.newEmail) - emails).toBe(0);
          expect(textsTo(addresses.phone) + textsTo(addresses.newPhone) - texts).toBe(0);
          if (decided.kind === 'send') {
            expect(outcome).toMatchObject({ outcome: 'sent', channel: decided.channel });
            expect({ emails, texts }).toEqual(decided.channel === 'email' ? { emails: 1, texts: 0 } : { emails: 0, texts: 1 });
          } else {
            expect(outcome).toMatchObject({ outcome: decided.kind === 'skip' ? 'skipped' : 'deferred' });
            expect({ emails, texts }).toEqual({ emails: 0, texts: 0 });
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('does not send an email whose consent was revoked between the read and the reservation', async () => {
    // Prepare
    const { customerId, ...addresses } = await enrolledCustomer();
    store.plan('after_read', () => recordChange(customerId, { kind: 'revoke', channel: 'email' }, addresses));

    // Act
    const outcome = await deliverMessage(ports, welcomeStep(customerId, ['email']));

    // Assess
    expect(outcome).toEqual({ outcome: 'skipped', reason: 'no_consent' });
    expect((await ses.messages()).filter((stored) => stored.destination.to.includes(addresses.email))).toEqual([]);
    const decisions = await store.decisions(customerId);
    expect(decisions).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'no_consent' })]);
  });

  it('does not send a transactional email to a channel suppressed between the read and the reservation', async () => {
    // Prepare
    const { customerId, ...addresses } = await enrolledCustomer();
    store.plan('after_read', () => recordChange(customerId, { kind: 'suppress', channel: 'email' }, addresses));

    // Act
    const outcome = await deliverMessage(ports, welcomeStep(customerId, ['email'], { topic: TRANSACTIONAL }));

    // Assess
    expect(outcome).toEqual({ outcome: 'skipped', reason: 'suppressed' });
    expect((await ses.messages()).filter((stored) => stored.destination.to.includes(addresses.email))).toEqual([]);
  });

  it('does not text at 02:00 local a customer whose time zone moved to Asia/Tokyo between the read and the reservation', async () => {
    // Prepare: 12:00 in New York is 02:00 the next day in Tokyo.
    const { customerId, ...addresses } = await enrolledCustomer();
    store.plan('after_read', () => recordChange(customerId, { kind: 'timezone', timezone: 'Asia/Tokyo' }, addresses));

    // Act
    const outcome = await deliverMessage(ports, welcomeStep(customerId, ['sms']));

    // Assess: the move was on file before the reservation, so the text waits for 08:00 in Tokyo (23:00Z).
    expect((await store.requireSnapshot(customerId)).profile.timezone).toBe('Asia/Tokyo');
    expect(sms.messages().filter((text) => text.input.DestinationPhoneNumber === addresses.phone)).toEqual([]);
    expect(outcome).toEqual({ outcome: 'deferred', channel: 'sms', until: '2026-03-02T23:00:00.000Z', reason: 'sms_legal_hours' });
  });

  it('sends the email to the address the customer changed to between the read and the reservation', async () => {
    // Prepare
    const { customerId, ...addresses } = await enrolledCustomer();
    store.plan('after_read', () => recordChange(customerId, { kind: 'address', channel: 'email' }, addresses));

    // Act
    const outcome = await deliverMessage(ports, welcomeStep(customerId, ['email'], { topic: TRANSACTIONAL }));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email' });
    const stored = await ses.messages();
    expect(stored.filter((message) => message.destination.to.includes(addresses.email))).toEqual([]);
    expect(stored.filter((message) => message.destination.to.includes(addresses.newEmail))).toHaveLength(1);
  });
});
