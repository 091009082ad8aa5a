/**
 * Properties of a Send step whatever End User Messaging answers (accepted, opted-out refusal, other
 * refusal, ambiguous failure), on the real DynamoDB and SES emulators with only the SMS client
 * mocked: no message goes by a channel whose consent is revoked, and a step sends at most one.
 */
import {
  ConflictException,
  InternalServerException,
  SendTextMessageCommand,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import fc from 'fast-check';
import { TRANSACTIONAL, type Channel, type ConsentStatus } from '../../lib/customer/model';
import { deliverMessage, idempotencyKeyOf, type DeliveryOutcome, type DeliveryPorts } from '../../lib/delivery/deliver-message';
import type { SendStepPayload } from '../../lib/journeys/send-contract';
import type { CustomerStore } from '../../lib/store';
import type { SesLocal } from '../support/ses-local';
import { GRANTED_AT, startMockedSmsDelivery, type MockedSmsDelivery } from './sms-mocked-delivery';

const RUNS = { numRuns: 60 };

let harness: MockedSmsDelivery;
let store: CustomerStore;
let ses: SesLocal;
let ports: DeliveryPorts;
let smsMock: MockedSmsDelivery['smsMock'];
let customerSequence = 0;

beforeAll(async () => {
  harness = await startMockedSmsDelivery('opt-out-property');
  ({ store, ses, ports, smsMock } = harness);
});

afterAll(() => harness.stop());

const SMS_ANSWERS = ['accepted', 'opted_out', 'rejected', 'unknown'] as const;
type SmsAnswer = (typeof SMS_ANSWERS)[number];

function answerWith(answer: SmsAnswer, call: number): Promise<{ MessageId: string }> {
  const $metadata = { httpStatusCode: answer === 'unknown' ? 500 : 400 };
  switch (answer) {
    case 'accepted':
      return Promise.resolve({ MessageId: `sms-${call}` });
    case 'opted_out':
      return Promise.reject(new ConflictException({ message: 'opted out', Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', $metadata }));
    case 'rejected':
      return Promise.reject(new ValidationException({ message: 'bad', Reason: 'INVALID_PARAMETER', $metadata }));
    case 'unknown':
      return Promise.reject(new InternalServerException({ message: 'oops', $metadata }));
  }
}

const consentArb = fc.constantFrom<ConsentStatus | 'none'>('granted', 'revoked', 'pending', 'none');

const scenarioArb = fc.record({
  topic: fc.constantFrom('marketing', 'newsletter', TRANSACTIONAL),
  consents: fc.record({ email: consentArb, sms: consentArb }),
  channels: fc.shuffledSubarray<Channel>(['sms', 'email'], { minLength: 1 }),
  /** What the SMS provider answers to its first, second… call. */
  smsAnswers: fc.array(fc.constantFrom(...SMS_ANSWERS), { minLength: 2, maxLength: 2 }),
  /** How many times the step runs (a retry by Lambda or Step Functions). */
  runs: fc.integer({ min: 1, max: 2 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * One scenario per ending the property is about, tried before the generated ones, so the endings
 * are reached on every run whatever the seed.
 */
const ENDINGS: Scenario[] = [
  { topic: 'marketing', consents: { email: 'granted', sms: 'granted' }, channels: ['sms', 'email'], smsAnswers: ['accepted', 'accepted'], runs: 1 },
  { topic: 'marketing', consents: { email: 'granted', sms: 'granted' }, channels: ['sms', 'email'], smsAnswers: ['opted_out', 'accepted'], runs: 2 },
  { topic: 'marketing', consents: { email: 'revoked', sms: 'revoked' }, channels: ['sms', 'email'], smsAnswers: ['accepted', 'accepted'], runs: 1 },
  { topic: 'marketing', consents: { email: 'none', sms: 'granted' }, channels: ['sms'], smsAnswers: ['unknown', 'accepted'], runs: 2 },
  { topic: 'marketing', consents: { email: 'none', sms: 'granted' }, channels: ['sms'], smsAnswers: ['rejected', 'accepted'], runs: 1 },
];

async function customerFor(scenario: Scenario): Promise<{ customerId: string; email: string }> {
  customerSequence += 1;
  const customerId = `pp-${customerSequence}`;
  const email = `property-${customerSequence}@example.com`;
  await store.putProfile({ customerId, stage: 'prospect', timezone: 'America/New_York', email, phone: '+12125550143', updatedAt: GRANTED_AT });
  for (const channel of ['email', 'sms'] as const) {
    const status = scenario.consents[channel];
    if (status === 'none' || scenario.topic === TRANSACTIONAL) continue;
    await store.recordConsent(customerId, { channel, topic: scenario.topic, status, at: GRANTED_AT, proof: { source: 'web-form' } });
  }
  return { customerId, email };
}

describe('a Send step whatever the SMS provider answers', () => {
  it('never sends by a channel whose consent is revoked, sends at most one message, and leaves no reservation pending', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        // Prepare
        const { customerId, email } = await customerFor(scenario);
        smsMock.reset();
        let call = 0;
        smsMock.on(SendTextMessageCommand).callsFake(() => {
          const answer = scenario.smsAnswers[call] ?? 'accepted';
          call += 1;
          return answerWith(answer, call);
        });
        const request: SendStepPayload = {
          customerId,
          journey: 'welcome',
          step: 'welcome-any',
          execution: `welcome-${customerId}-signed_up-1`,
          templateId: 'welcome',
          topic: scenario.topic,
          channels: scenario.channels,
        };

        // Act
        const outcomes: DeliveryOutcome[] = [];
        for (let run = 0; run < scenario.runs; run += 1) outcomes.push(await deliverMessage(ports, request));

        // Assess
        const answered = scenario.smsAnswers.slice(0, call);
        const smsAccepted = answered.filter((answer) => answer === 'accepted').length;
        const emailsAccepted = (await ses.messages()).filter((stored) => stored.destination.to.includes(email)).length;
        const last = outcomes.at(-1);
        seen.add(`${last?.outcome}:${last?.outcome === 'skipped' || last?.outcome === 'failed' ? last.reason : last?.channel}`);

        // At most one message per step, and a `sent` answer names the one that went.
        expect(smsAccepted + emailsAccepted).toBeLessThanOrEqual(1);
        if (last?.outcome === 'sent') expect(last.channel === 'sms' ? smsAccepted : emailsAccepted).toBe(1);
        const refusedAt = answered.indexOf('opted_out');
        // Marketing goes only by a channel granted before the step and not revoked by the provider;
        // after the refusal the ledger holds the revocation, so no later run of the step texts.
        // (Transactional texts need no consent: a later run may ask the provider again.)
        if (scenario.topic !== TRANSACTIONAL) {
          if (refusedAt >= 0) expect(answered.slice(refusedAt + 1)).not.toContain('accepted');
          if (emailsAccepted > 0) expect(scenario.consents.email).toBe('granted');
          if (smsAccepted > 0) expect(scenario.consents.sms).toBe('granted');
          const snapshot = await store.requireSnapshot(customerId);
          const smsConsent = snapshot.consents.find((consent) => consent.channel === 'sms' && consent.topic === scenario.topic);
          if (refusedAt >= 0) expect(smsConsent).toMatchObject({ status: 'revoked', source: 'sms-provider:opted-out' });
        }
        // Nothing is left reserved-but-unsettled, and a withdrawn reservation frees its cap slot.
        const entry = await store.getSendEntry(customerId, idempotencyKeyOf(request.execution, request.step));
        expect(entry?.status).not.toBe('pending');
        if (entry === undefined) expect((await store.requireSnapshot(customerId)).frequency.sends).toEqual([]);
        await ses.clear();
      }),
      { ...RUNS, examples: ENDINGS.map((scenario): [Scenario] => [scenario]) },
    );
    // The generator reaches the endings this property is about.
    expect([...seen]).toEqual(expect.arrayContaining(['sent:email', 'sent:sms', 'skipped:no_consent', 'unknown:sms', 'failed:provider_rejected']));
  });
});
