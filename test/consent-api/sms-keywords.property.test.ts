/**
 * The rule STOP must keep, whatever the history of the numbers: after a STOP from a number, no
 * customer whose profile holds that number may be sent a marketing text, and no other customer
 * loses anything. The profiles come from the real writers of the phone index — customer events
 * through ingest (created, then phone changes arriving in any order, late ones included) and the
 * public capture form (`POST /consents`) naming a number someone else already holds — on the
 * dynalite and SES emulators. A START afterwards grants again only where one profile holds the
 * number, not counting those only a capture's request ties to it (start-holders.ts). Captured
 * customers start with SMS pending (double opt-in), so they are sendable only after such a START;
 * ingested customers were granted SMS for the number they signed up with (consent for a number),
 * so they are sendable only while their profile holds it, or after a START from the number it
 * holds now.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import fc from 'fast-check';
import { LocalSmsOutbox } from '../../lib/channels/sms-outbox';
import { parseCustomerEvent, type CustomerEvent } from '../../lib/ingest/customer-event';
import { ingestCustomerEvent, type IngestPorts } from '../../lib/ingest/ingest-event';
import { decideDelivery } from '../../lib/permission';
import { handleInboundSms, type InboundSmsDependencies } from '../../lib/sms-keywords/handle-inbound-sms';
import { CONFIRM_KEYWORDS, HELP_KEYWORDS, OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS, SHORT_REPLY_MAX_WORDS, smsKeywordOf } from '../../lib/sms-keywords/keywords';
import { newCustomerId } from '../store/fixtures';
import { captureBody, postJson, startConsentApiHarness, type ConsentApiHarness } from './harness';

// Tens of runs against the emulators: seconds on an idle machine, a minute or more on a loaded one.
jest.setTimeout(240_000);

/** Profiles are created at 10:00Z, phones change until 11:40Z, STOP at 15:00Z, START at 15:30Z. */
const CREATED_AT = '2026-03-02T10:00:00Z';
const STOP_AT = '2026-03-02T15:00:00.000Z';
const START_AT = '2026-03-02T15:30:00.000Z';
/** 10:10 and 11:00 in New York: SMS is open. */
const AFTER_STOP = new Date('2026-03-02T15:10:00Z');
const AFTER_START = new Date('2026-03-02T16:00:00Z');

const CUSTOMERS = 3;
const PHONES = 3;

/** What happens to the profiles before the text. */
type Change =
  /** A customer event setting the phone of one of the ingested customers, dated `minute` after their creation. */
  | { readonly kind: 'ingest'; readonly customer: number; readonly phone: number; readonly minute: number }
  /** A new customer captured through the public form with one of the numbers. */
  | { readonly kind: 'capture'; readonly phone: number };

const changeArbitrary: fc.Arbitrary<Change> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ingest' as const), customer: fc.nat(CUSTOMERS - 1), phone: fc.nat(PHONES - 1), minute: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('capture' as const), phone: fc.nat(PHONES - 1) }) },
);

let api: ConsentApiHarness;
let ports: IngestPorts;
let deps: InboundSmsDependencies;
let run = 0;
let eventSequence = 0;

beforeAll(async () => {
  api = await startConsentApiHarness({ start: '2026-03-02T12:00:00Z' });
  // No journey routes: no Step Functions request is ever made.
  ports = { store: api.store, dynamodb: api.dynamo.client, sfn: new SFNClient({ region: 'us-east-1' }), tableName: api.tableName, routes: [] };
  deps = {
    store: api.store,
    phoneIndex: api.deps.phoneIndex,
    replies: new LocalSmsOutbox({ originationIdentity: '+12125550000', configurationSetName: 'overture-sms' }),
    helpText: 'help',
  };
});
afterAll(() => api.stop());

function customerEvent(detailType: string, detail: Record<string, unknown>, time: string): CustomerEvent {
  eventSequence += 1;
  const parsed = parseCustomerEvent({ id: `eb-phone-${eventSequence}`, 'detail-type': detailType, source: 'test', time, detail });
  if (!parsed.valid) throw new Error(parsed.reason);
  return parsed.event;
}

function minutesAfter(instant: string, minutes: number): string {
  return new Date(Date.parse(instant) + minutes * 60_000).toISOString();
}

/** Plays the history; the ids of every customer it created. */
async function playHistory(initialPhones: readonly number[], changes: readonly Change[], phones: readonly string[]): Promise<string[]> {
  const phoneOf = (index: number) => phones[index] ?? '';
  const ingested = initialPhones.map(() => newCustomerId('prop'));
  for (const [index, customerId] of ingested.entries()) {
    const granted = [{ channel: 'sms', topic: 'marketing', status: 'granted', proof: { source: 'web-form' } }];
    const profile = { timezone: 'America/New_York', phone: phoneOf(initialPhones[index] ?? 0) };
    await ingestCustomerEvent(ports, customerEvent('signed_up', { customerId, profile, consents: granted }, CREATED_AT));
  }
  const captured: string[] = [];
  for (const change of changes) {
    if (change.kind === 'ingest') {
      const customerId = ingested[change.customer] ?? '';
      await ingestCustomerEvent(ports, customerEvent('profile_changed', { customerId, profile: { phone: phoneOf(change.phone) } }, minutesAfter(CREATED_AT, change.minute)));
    } else {
      const customerId = newCustomerId('prop-capture');
      const answer = await postJson(`${api.url}/consents`, captureBody(customerId, { phone: phoneOf(change.phone), channels: ['sms'], email: undefined, preferredWindow: undefined }));
      if (answer.status !== 202) throw new Error(`capture answered ${answer.status}`);
      captured.push(customerId);
    }
  }
  return [...ingested, ...captured];
}

function text(phone: string, body: string, id: string, at: string) {
  return handleInboundSms(deps, { originationNumber: phone, destinationNumber: '+12125550000', messageBody: body, inboundMessageId: id }, at);
}

/** Each customer's number now, and what the gate decides for a marketing text to them at `at`. */
async function decisions(customerIds: readonly string[], at: Date): Promise<{ customerId: string; phone?: string; decision: string }[]> {
  return Promise.all(
    customerIds.map(async (customerId) => {
      const snapshot = await api.store.requireSnapshot(customerId);
      const decision = decideDelivery(snapshot, { topic: 'marketing', channels: ['sms'] }, at).kind;
      return { customerId, ...(snapshot.profile.phone === undefined ? {} : { phone: snapshot.profile.phone }), decision };
    }),
  );
}

describe('STOP (alone or in a short sentence) from a number, after any history of the numbers on the profiles', () => {
  it('leaves no customer whose profile holds the number sendable, and every other customer as they were; START grants again only to a sole holder ever granted for it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(PHONES - 1), { minLength: CUSTOMERS, maxLength: CUSTOMERS }),
        fc.array(changeArbitrary, { maxLength: 8 }),
        fc.nat(PHONES - 1),
        fc.constantFrom('STOP', 'Stop please', 'please stop texting me', 'Unsubscribe me', 'opt me out', 'stop!!! who is this'),
        async (initialPhones, changes, stopped, stopText) => {
          // Prepare: numbers no other run uses.
          run += 1;
          const phones = Array.from({ length: PHONES }, (_, index) => `+1646555${String(run * PHONES + index).padStart(4, '0')}`);
          const phone = phones[stopped] ?? '';
          const customerIds = await playHistory(initialPhones, changes, phones);
          const before = await decisions(customerIds, AFTER_STOP);
          // Ingested customers were granted SMS for the number they signed up with, so they are
          // sendable while their profile holds it; captured ones wait for a YES (SMS double opt-in).
          const signedUpWith = (index: number) => (index < initialPhones.length ? phones[initialPhones[index] ?? 0] : undefined);
          expect(before.map((customer) => customer.decision)).toEqual(before.map((customer, index) => (customer.phone === signedUpWith(index) ? 'send' : 'skip')));
          const decisionBefore = new Map(before.map((customer) => [customer.customerId, customer.decision]));

          // Act
          await text(phone, stopText, `inbound-stop-${run}`, STOP_AT);

          // Assess
          const afterStop = await decisions(customerIds, AFTER_STOP);
          expect(afterStop).toEqual(afterStop.map((customer) => ({ ...customer, decision: customer.phone === phone ? 'skip' : decisionBefore.get(customer.customerId) })));

          // Act
          await text(phone, 'START', `inbound-start-${run}`, START_AT);

          // Assess
          const holders = afterStop.filter((customer) => customer.phone === phone).map((customer) => customer.customerId);
          // START counts only the holders ever granted texts for the number (start-holders.ts): here
          // the ingested customers who signed up with it, not a capture's request; when none was, every holder.
          const granted = holders.filter((customerId) => signedUpWith(customerIds.indexOf(customerId)) === phone);
          const counted = granted.length > 0 ? granted : holders;
          const afterStart = await decisions(customerIds, AFTER_START);
          expect(afterStart).toEqual(
            afterStart.map((customer) => ({
              ...customer,
              decision: holders.includes(customer.customerId)
                ? counted.length === 1 && counted.includes(customer.customerId)
                  ? 'send'
                  : 'skip'
                : decisionBefore.get(customer.customerId),
            })),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('opt-outs in a sentence, whatever the other words', () => {
  /** Every opt-out word, and the words that make one ("opt" of "opt out", "stop" of "stop all"), in upper case. */
  const OPT_OUT_WORDS = new Set<string>([...OPT_OUT_KEYWORDS, 'OPT']);
  /** Everyday words, some close to an opt-out word without being one. */
  const everyday = [
    'stopped', 'stops', 'unstoppable', 'non-stop', 'bus', 'cancelled', 'ending', 'endless', 'quite', 'removal', 'opted', 'optimal', 'out', 'opt-in',
    'unsubscribed', 'revoked', "can't", 'wait', 'for', 'the', 'weekend', 'start', 'yes', 'help', 'unstop', 'please', 'me', 'texting', 'my', 'order', 'who', 'is', 'this',
  ];
  const wordArbitrary = fc.oneof(
    fc.constantFrom(...everyday),
    fc.stringMatching(/^[a-zA-Z]{1,9}$/).filter((word) => !OPT_OUT_WORDS.has(word.toUpperCase())),
  );
  /** What people put between words. */
  const separatorArbitrary = fc.constantFrom(' ', ', ', '. ', '! ', '? ', '\n', ' 🛑 ', '...');
  const anyCase = (word: string) =>
    fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((upper) => [...word].map((letter, index) => (upper[index] ? letter.toUpperCase() : letter.toLowerCase())).join(''));
  /** The strong opt-out words as people write them, one to three words long. */
  const strongArbitrary = fc.constantFrom('stop', 'stopall', 'unsubscribe', 'revoke', 'optout', 'opt out', 'opt-out', 'opt me out').chain(anyCase);

  function sentence(words: readonly string[], separators: readonly string[]): string {
    return words.map((word, index) => `${index === 0 ? '' : (separators[index % separators.length] ?? ' ')}${word}`).join('');
  }

  it(`reads a reply of at most ${SHORT_REPLY_MAX_WORDS} words that holds a strong opt-out word as a word as an opt-out`, () => {
    fc.assert(
      fc.property(
        fc.array(wordArbitrary, { maxLength: SHORT_REPLY_MAX_WORDS - 3 }),
        fc.nat(),
        strongArbitrary,
        fc.array(separatorArbitrary, { minLength: 1, maxLength: 4 }),
        (others, at, strong, separators) => {
          // Prepare
          const words = [...others];
          words.splice(at % (others.length + 1), 0, strong);
          // Act
          const matched = smsKeywordOf(sentence(words, separators));
          // Assess
          expect(matched?.action).toBe('opt_out');
        },
      ),
    );
  });

  it(`reads a STOP that ends a text longer than ${SHORT_REPLY_MAX_WORDS} words as a sentence of its own as an opt-out`, () => {
    fc.assert(
      fc.property(
        fc.array(wordArbitrary, { minLength: SHORT_REPLY_MAX_WORDS, maxLength: 40 }),
        fc.array(separatorArbitrary, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('. ', '! ', '? ', ': ', '; ', '\n', '... '),
        anyCase('stop'),
        fc.constantFrom('', '.', '!!!', ' 🛑', '\n'),
        (words, separators, before, stop, after) => {
          // Act
          const matched = smsKeywordOf(`${sentence(words, separators)}${before}${stop}${after}`);
          // Assess
          expect(matched).toEqual({ keyword: 'STOP', action: 'opt_out' });
        },
      ),
    );
  });

  it(`never reads a STOP inside a sentence of a text longer than ${SHORT_REPLY_MAX_WORDS} words as an opt-out ("the bus stop on Main")`, () => {
    fc.assert(
      fc.property(
        fc.array(wordArbitrary, { minLength: SHORT_REPLY_MAX_WORDS / 2, maxLength: 20 }),
        fc.array(wordArbitrary, { minLength: SHORT_REPLY_MAX_WORDS / 2, maxLength: 20 }),
        fc.array(separatorArbitrary, { minLength: 1, maxLength: 4 }),
        (before, after, separators) => {
          // Act
          const matched = smsKeywordOf(`${sentence(before, separators)} the bus stop on ${sentence(after, separators)}`);
          // Assess
          expect(matched?.action).not.toBe('opt_out');
        },
      ),
    );
  });

  it('never reads an opt-out in a text none of whose words is an opt-out word, however long', () => {
    fc.assert(
      fc.property(fc.array(wordArbitrary, { maxLength: 40 }), fc.array(separatorArbitrary, { minLength: 1, maxLength: 4 }), (words, separators) => {
        // Act
        const matched = smsKeywordOf(sentence(words, separators));
        // Assess
        expect(matched?.action).not.toBe('opt_out');
      }),
    );
  });

  it('never reads CANCEL, END, QUIT or REMOVE as an opt-out in a sentence about something else', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('cancel', 'end', 'quit', 'remove').chain(anyCase),
        fc.constantFrom('order', 'appointment', 'booking', 'reservation', 'flight', 'card', 'payment', 'item', 'meeting'),
        fc.array(wordArbitrary, { maxLength: 8 }),
        (weak, subject, others) => {
          // Act
          const matched = smsKeywordOf([weak, 'my', subject, ...others].join(' '));
          // Assess
          expect(matched?.action).not.toBe('opt_out');
        },
      ),
    );
  });

  it('never reads START, UNSTOP, YES, Y or HELP as an opt-out, and reads each only as the whole text', () => {
    const around = fc.array(fc.constantFrom(' ', '\t', '\n', '.', '!', '?', ' please', '🛑'), { maxLength: 2 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.constantFrom(...OPT_IN_KEYWORDS, ...CONFIRM_KEYWORDS, ...HELP_KEYWORDS).chain((keyword) => fc.tuple(fc.constant(keyword), anyCase(keyword))), around, around, ([keyword, written], before, after) => {
        // Act
        const matched = smsKeywordOf(`${before}${written}${after}`);
        // Assess
        const bare = `${before}${after}`.trim() === '';
        const action = (OPT_IN_KEYWORDS as readonly string[]).includes(keyword) ? 'opt_in' : keyword === 'HELP' ? 'help' : 'confirm';
        expect(matched).toEqual(bare ? { keyword, action } : undefined);
        expect(matched?.action).not.toBe('opt_out');
      }),
    );
  });
});
