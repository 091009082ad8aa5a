import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import fc from 'fast-check';
import { ProviderRejectedError, ProviderThrottledError, ProviderUnknownOutcomeError, RecipientOptedOutError } from '../../lib/channels/errors';
import { countSmsSegments } from '../../lib/channels/sms-segments';
import { LocalSmsOutbox } from '../../lib/channels/sms-outbox';
import { formatInboundSmsOutcome } from '../../lib/local/stack-views';
import { decideDelivery } from '../../lib/permission';
import { readEnvironment } from '../../lib/runtime/environment';
import { idOnlyError } from '../../lib/runtime/id-only-error';
import {
  CONFIRM_KEYWORDS,
  DEFAULT_SMS_OPTED_OUT_TEXT,
  HELP_KEYWORDS,
  InboundSmsFormatError,
  OPT_IN_KEYWORDS,
  OPT_OUT_KEYWORDS,
  processInboundSmsEvent,
  SHARED_NUMBER_SENDER_ID,
  smsInboundDependencies,
  SmsInboundEnvironmentSchema,
  SHORT_REPLY_MAX_WORDS,
  smsKeywordOf,
  UNKNOWN_SENDER_ID,
  type InboundSmsDependencies,
} from '../../lib/sms-keywords';
import { CustomerStore, type ConsentEvent } from '../../lib/store';
import { indexProfilePhone, LEGACY_PHONE_INDEX_SORT_KEY } from '../../lib/store/phone-index';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { inboundSmsEvent } from '../support/inbound-sms';
import { aProfile, newCustomerId, partitionItems } from '../store/fixtures';

let dynamo: DynaliteHarness;
let store: CustomerStore;
let tableName: string;
let outbox: LocalSmsOutbox;
let deps: InboundSmsDependencies;
let phoneSequence = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'sms-keywords');
  store = new CustomerStore({ client: dynamo.client, tableName });
});

afterAll(() => dynamo.stop());

beforeEach(() => {
  outbox = new LocalSmsOutbox({ originationIdentity: '+12125550000', configurationSetName: 'overture-sms' });
  deps = { store, phoneIndex: { client: dynamo.client, tableName }, replies: outbox, helpText: 'Acme: reply STOP to opt out. Help: acme.example/help' };
});

/** A valid US number no other test uses. */
function newPhone(): string {
  phoneSequence += 1;
  return `+1212555${String(1000 + phoneSequence).padStart(4, '0')}`;
}

function consent(channel: ConsentEvent['channel'], topic: string, status: ConsentEvent['status']): ConsentEvent {
  return { channel, topic, status, at: '2026-03-01T12:00:00Z', proof: { source: 'web-form' } };
}

/** A customer with an indexed phone and the given consents. */
async function customerWithPhone(events: ConsentEvent[]): Promise<{ customerId: string; phone: string }> {
  const customerId = newCustomerId('sms');
  const phone = newPhone();
  const profile = aProfile(customerId, { phone });
  await store.putProfile(profile);
  await indexProfilePhone(deps.phoneIndex, profile);
  for (const event of events) await store.recordConsent(customerId, event);
  return { customerId, phone };
}

/** `count` customers whose profiles hold one number, stored one hour apart, each with SMS marketing granted. */
async function customersSharingPhone(count: number): Promise<{ customerIds: string[]; phone: string }> {
  const phone = newPhone();
  const customerIds: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const customerId = newCustomerId('shared');
    const profile = aProfile(customerId, { phone, updatedAt: `2026-03-01T1${index}:00:00Z` });
    await store.putProfile(profile);
    await indexProfilePhone(deps.phoneIndex, profile);
    await store.recordConsent(customerId, consent('sms', 'marketing', 'granted'));
    customerIds.push(customerId);
  }
  return { customerIds, phone };
}

/** Writes the phone index item of the earlier layout (one per number, naming one customer), as a table written before holds it. */
async function putEarlierLayoutIndexItem(phone: string, customerId: string): Promise<void> {
  await dynamo.client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        pk: { S: `PHONE#${phone}` },
        sk: { S: LEGACY_PHONE_INDEX_SORT_KEY },
        kind: { S: 'phone_index' },
        phone: { S: phone },
        customerId: { S: customerId },
        updatedAt: { S: '2026-03-01T12:00:00Z' },
        order: { S: '2026-03-01T12:00:00.000Z' },
      },
    }),
  );
}

/** 11:00 in New York, after every inbound text of these tests (`inboundSmsEvent` dates them 2026-03-05T14:30Z). */
const AFTER_TEXTS = new Date('2026-03-05T16:00:00Z');

/** What the permission gate decides for a marketing text to the customer. */
async function smsMarketingDecision(customerId: string): Promise<string> {
  return decideDelivery(await store.requireSnapshot(customerId), { topic: 'marketing', channels: ['sms'] }, AFTER_TEXTS).kind;
}

async function smsStatuses(customerId: string): Promise<Record<string, string>> {
  const snapshot = await store.requireSnapshot(customerId);
  return Object.fromEntries(snapshot.consents.filter((state) => state.channel === 'sms').map((state) => [state.topic, state.status]));
}

/** Case and surrounding-space variants of a keyword. */
function variants(keyword: string): string[] {
  const lower = keyword.toLowerCase();
  return [keyword, lower, `  ${lower.charAt(0).toUpperCase()}${lower.slice(1)}  `, `\t${keyword}\n`];
}

describe('smsKeywordOf', () => {
  it.each([...OPT_OUT_KEYWORDS, ...OPT_IN_KEYWORDS, ...HELP_KEYWORDS].flatMap((keyword) => variants(keyword).map((text) => [JSON.stringify(text), text, keyword])))(
    'reads %s as its keyword',
    (_label, text, keyword) => {
      // Act
      const matched = smsKeywordOf(text);
      // Assess
      expect(matched?.keyword).toBe(keyword);
    },
  );

  it.each(['YES', 'yes', ' Yes ', 'Y', 'y', '\ty\n'])('reads %j as a confirmation of a pending SMS request', (text) => {
    // Act
    const matched = smsKeywordOf(text);
    // Assess
    expect(matched?.action).toBe('confirm');
    expect(CONFIRM_KEYWORDS).toContain(matched?.keyword);
  });

  it.each(['S T O P', 'help me', '', '...', 'startup', 'yes please', 'Y?', 'Yes.', 'Start!', 'ok', 'yeah', 'sure'])('ignores %j, which is not a keyword', (text) => {
    // Act
    const matched = smsKeywordOf(text);
    // Assess
    expect(matched).toBeUndefined();
  });
});

describe('opt-outs as people type them', () => {
  /** What phones and people put around a word: punctuation, emoji, quotes, invisible characters. */
  const around = fc.array(fc.constantFrom(' ', '.', '!', '?', '!!', '...', ',', '"', "'", '🛑', '❤️', '👍🏽', '\u200b', '\u00a0', ')', '*'), { maxLength: 3 }).map((parts) => parts.join(''));
  const anyCase = (word: string) =>
    fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((upper) => [...word].map((letter, index) => (upper[index] ? letter : letter.toLowerCase())).join(''));

  it('reads any opt-out keyword in any case, wrapped in punctuation or emoji, as that opt-out', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OPT_OUT_KEYWORDS).chain((keyword) => fc.tuple(fc.constant(keyword), anyCase(keyword))), around, around, ([keyword, written], before, after) => {
        // Act
        const matched = smsKeywordOf(`${before}${written}${after}`);
        // Assess
        expect(matched).toEqual({ keyword, action: 'opt_out' });
      }),
    );
  });

  it.each([
    ['Stop all', 'STOPALL'],
    ['STOP ALL', 'STOPALL'],
    ['stop-all', 'STOPALL'],
    ['opt out', 'OPTOUT'],
    ['Opt-Out', 'OPTOUT'],
    ['OPT OUT.', 'OPTOUT'],
    ['ＳＴＯＰ', 'STOP'],
  ])('reads %j as %s', (text, keyword) => {
    // Act
    const matched = smsKeywordOf(text);
    // Assess
    expect(matched).toEqual({ keyword, action: 'opt_out' });
  });

  // AWS End User Messaging SMS, "Required opt-out keywords": the provider opts the number out on each.
  it.each(['ARRET', 'CANCEL', 'END', 'OPT-OUT', 'OPTOUT', 'QUIT', 'REMOVE', 'STOP', 'TD', 'UNSUBSCRIBE'])('reads %j, an opt-out End User Messaging requires, as an opt-out', (text) => {
    // Act
    const matched = smsKeywordOf(text);
    // Assess
    expect(matched?.action).toBe('opt_out');
  });

  it.each([
    ['Arrêt', 'ARRET'],
    ['ARRÊT', 'ARRET'],
    ['arrêt.', 'ARRET'],
    ['Arre\u0302t', 'ARRET'],
    ['Stöp', 'STOP'],
  ])('reads %j as %s, its accents dropped', (text, keyword) => {
    // Act
    const matched = smsKeywordOf(text);
    // Assess
    expect(matched).toEqual({ keyword, action: 'opt_out' });
  });

  it.each(['Arrêt', 'REMOVE', 'td', 'Opt-Out'])('revokes SMS consent on %j, so the gate sends no more marketing texts, as the provider stops them', async (text) => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, text), deps);
    // Assess
    expect(outcome).toMatchObject({ kind: 'opted_out', customers: [{ customerId, topics: ['marketing'] }] });
    expect(await smsMarketingDecision(customerId)).toBe('skip');
  });

  it.each(['Stop.', 'STOP!', 'Opt out', 'Stop all 🛑'])('revokes SMS consent on %j, so the gate sends no more marketing texts', async (text) => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted'), consent('sms', 'newsletter', 'granted')]);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, text), deps);
    // Assess
    expect(outcome).toMatchObject({ kind: 'opted_out', customers: [{ customerId, topics: ['marketing', 'newsletter'] }] });
    expect(await smsStatuses(customerId)).toEqual({ marketing: 'revoked', newsletter: 'revoked' });
    expect(await smsMarketingDecision(customerId)).toBe('skip');
  });

  it('grants nothing on "Start!" or "Yes.": a grant must be the bare keyword', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'revoked')]);
    const before = await partitionItems(dynamo.client, tableName, customerId);
    // Act
    const outcomes = [...(await processInboundSmsEvent(inboundSmsEvent(phone, 'Start!'), deps)), ...(await processInboundSmsEvent(inboundSmsEvent(phone, 'Yes.'), deps))];
    // Assess
    expect(outcomes).toEqual([{ kind: 'not_a_keyword' }, { kind: 'not_a_keyword' }]);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });
});

describe('opt-outs written as a short sentence', () => {
  /** Replies that a reasonable person reads as "stop texting me", and the opt-out word each is read by. */
  const requests: Array<[string, string]> = [
    ['Stop please', 'STOP'],
    ['please stop texting me', 'STOP'],
    ['STOP sending me these', 'STOP'],
    ['Unsubscribe me', 'UNSUBSCRIBE'],
    ['opt me out', 'OPTOUT'],
    ['Please opt us out.', 'OPTOUT'],
    ['stop!!! who is this', 'STOP'],
    ['STOP STOP', 'STOP'],
    ["Don't text me again. STOP", 'STOP'],
    ['I never signed up for this, I revoke my consent', 'REVOKE'],
    ['Cancel please', 'CANCEL'],
    ['remove me from your list', 'REMOVE'],
    ['Remove me from your mailing list', 'REMOVE'],
    ['cancel the promotions', 'CANCEL'],
    ['Quit texting me!', 'QUIT'],
    ['please end these messages', 'END'],
  ];

  it.each(requests)('reads %j as the opt-out %s', (text, keyword) => {
    // Act
    const matched = smsKeywordOf(text);
    // Assess
    expect(matched).toEqual({ keyword, action: 'opt_out' });
  });

  it.each([
    "I can't wait for the weekend",
    'cancel my order',
    'Can I cancel my appointment?',
    'the end',
    'End of the month works for me',
    'I will remove the old card',
    'non-stop deals!',
    'Is the sale unstoppable?',
    'I stopped by the store',
    'opt in',
  ])('ignores %j: no opt-out word, or CANCEL, END, QUIT or REMOVE in conversation', (text) => {
    // Act
    const matched = smsKeywordOf(text);
    // Assess
    expect(matched).toBeUndefined();
  });

  it('reads STOP in a message longer than a reply only as a request to stop: "please stop", or stop followed by what we send', () => {
    // Prepare: 30 words of conversation, with a bus stop in it.
    const conversation = 'Hi, I was at the bus stop yesterday and saw your poster about the spring sale. Can you tell me when it ends and whether it covers shoes and bags too';
    // Act
    const outcomes = [conversation, `${conversation}? Otherwise please stop`, `${conversation}? Otherwise stop texting me`, `${conversation}? Or unsubscribe me`].map(smsKeywordOf);
    // Assess
    expect(outcomes).toEqual([undefined, { keyword: 'STOP', action: 'opt_out' }, { keyword: 'STOP', action: 'opt_out' }, { keyword: 'UNSUBSCRIBE', action: 'opt_out' }]);
  });

  it('reads STOP in a message longer than a reply as a sentence of its own too: set off by sentence punctuation or the ends of the message, or repeated', () => {
    // Prepare: 30 words of conversation, with a bus stop in it.
    const conversation = 'Hi, I was at the bus stop yesterday and saw your poster about the spring sale. Can you tell me when it ends and whether it covers shoes and bags too';
    const texts = [
      `${conversation}. STOP`,
      `${conversation}? Stop!`,
      `${conversation}; stop 🛑`,
      `STOP. ${conversation}`,
      `${conversation}\nstop\nthanks`,
      `${conversation} stop stop`,
      `${conversation}, the stop near the mall`,
      `${conversation}. Stop by the store`,
    ];
    // Act
    const outcomes = texts.map((text) => smsKeywordOf(text)?.keyword);
    // Assess
    expect(outcomes).toEqual(['STOP', 'STOP', 'STOP', 'STOP', 'STOP', 'STOP', undefined, undefined]);
  });

  it.each([
    // "Stop:" as a label, the way directions and delivery notes are written: not a request to stop texting.
    'Your driver missed my house again today. Please leave the parcel at the side door next time.\nGate code: 4471\nStop: the blue house after the school',
    'Which bus do I take to your new store? Someone told me the 42 from downtown.\nStop: Main & 5th, then walk two blocks north?',
  ])('does not read a "Stop:" label in a message longer than a reply as an opt-out: %j', (text) => {
    expect(text.split(/\s+/).filter(Boolean).length).toBeGreaterThan(SHORT_REPLY_MAX_WORDS);
    expect(smsKeywordOf(text)).toBeUndefined();
  });

  it('reads STOP in a message longer than a reply as a sentence of its own after a colon, but not before one', () => {
    const conversation = 'Hi, I was at the bus stop yesterday and saw your poster about the spring sale. Can you tell me when it ends and whether it covers shoes and bags too';
    const opening = fc.constantFrom('. ', '? ', '! ', '; ', ': ', '\n', ':\n');
    const closing = fc.constantFrom('.', '!', '?', ';', '\n', '.\n', '!!');
    const rest = fc.constantFrom('', ' thanks', ' I never signed up', ' who is this');
    fc.assert(
      fc.property(opening, fc.constantFrom('STOP', 'Stop', 'stop'), closing, rest, (before, stop, after, more) => {
        expect(smsKeywordOf(`${conversation}${before}${stop}${after}${more}`)?.keyword).toBe('STOP');
        expect(smsKeywordOf(`${conversation}${before}${stop}: the corner of Main & 5th`)).toBeUndefined();
      }),
    );
  });

  it.each([
    'This is the third time I am asking. I never signed up for your texts and I do not want them. STOP STOP STOP',
    'I never signed up for any of this and I have no idea how you got my number so I am asking you once: STOP.',
  ])('revokes SMS consent on %j, an opt-out longer than a reply, so the gate sends no more marketing texts', async (text) => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, text), deps);
    // Assess
    expect({ kind: outcome?.kind, decision: await smsMarketingDecision(customerId) }).toEqual({ kind: 'opted_out', decision: 'skip' });
  });

  it.each(requests)('revokes SMS consent on %j, so the gate sends no more marketing texts', async (text, keyword) => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted'), consent('sms', 'newsletter', 'granted')]);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, text), deps);
    // Assess
    expect(outcome).toMatchObject({ kind: 'opted_out', keyword, customers: [{ customerId, topics: ['marketing', 'newsletter'] }] });
    expect(await smsStatuses(customerId)).toEqual({ marketing: 'revoked', newsletter: 'revoked' });
    expect(await smsMarketingDecision(customerId)).toBe('skip');
  });

  it('confirms an opt-out End User Messaging did not match once, with the configured text, sent as transactional', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    const optedOutText = 'Acme: you will get no more marketing texts. Reply START to opt back in.';
    const event = inboundSmsEvent(phone, 'please stop texting me', { id: 'inbound-phrase-twice' });
    // Act
    const outcomes = [...(await processInboundSmsEvent(event, { ...deps, optedOutText })), ...(await processInboundSmsEvent(event, { ...deps, optedOutText }))];
    // Assess
    const optedOut = { kind: 'opted_out', keyword: 'STOP', customers: [{ customerId, topics: ['marketing'] }] };
    expect(outcomes).toEqual([{ ...optedOut, replied: true }, { ...optedOut, replied: false }]);
    expect(outbox.messages().map((sent) => [sent.input.DestinationPhoneNumber, sent.input.MessageBody, sent.input.MessageType, sent.input.Context?.customer_id])).toEqual([
      [phone, optedOutText, 'TRANSACTIONAL', customerId],
    ]);
  });

  it('confirms with DEFAULT_SMS_OPTED_OUT_TEXT unless a text is set, one GSM-7 segment naming the program and START', async () => {
    // Prepare
    const { phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    // Act
    await processInboundSmsEvent(inboundSmsEvent(phone, 'Unsubscribe me'), deps);
    // Assess
    expect(outbox.messages().map((sent) => sent.input.MessageBody)).toEqual([DEFAULT_SMS_OPTED_OUT_TEXT]);
    expect(countSmsSegments(DEFAULT_SMS_OPTED_OUT_TEXT)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(DEFAULT_SMS_OPTED_OUT_TEXT).toMatch(/^Overture alerts: .*\bSTART\b/);
  });

  it.each(['STOP', 'stop', ' Unsubscribe ', 'Arret', 'OPT-OUT'])('sends no confirmation for %j, an opt-out keyword End User Messaging matches on every number and answers itself', async (text) => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, text), deps);
    // Assess
    expect(outcome).toEqual({ kind: 'opted_out', keyword: smsKeywordOf(text)?.keyword, customers: [{ customerId, topics: ['marketing'] }] });
    expect(outbox.messages()).toEqual([]);
  });

  it('revokes at once and leaves the confirmation to the retry when the provider throttled it', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    const throttled = { send: () => Promise.reject(new ProviderThrottledError({ provider: 'sms', code: 'ThrottlingException' })) };
    const event = inboundSmsEvent(phone, 'opt me out', { id: 'inbound-phrase-throttled' });
    // Act
    const first = processInboundSmsEvent(event, { ...deps, replies: throttled });
    await expect(first).rejects.toThrow(ProviderThrottledError);
    const revokedBeforeRetry = await smsMarketingDecision(customerId);
    const retried = await processInboundSmsEvent(event, deps);
    // Assess
    expect(revokedBeforeRetry).toBe('skip');
    expect(retried).toEqual([{ kind: 'opted_out', keyword: 'OPTOUT', customers: [{ customerId, topics: ['marketing'] }], replied: true }]);
    expect(outbox.messages().map((sent) => sent.input.MessageBody)).toEqual([DEFAULT_SMS_OPTED_OUT_TEXT]);
  });

  it('sends no confirmation when the payload says End User Messaging matched an opt-out keyword at the start of the reply', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    const event = inboundSmsEvent(phone, 'STOP sending me these');
    const [record] = event.Records;
    if (record === undefined) throw new Error('no record');
    record.Sns.Message = JSON.stringify({ ...(JSON.parse(record.Sns.Message) as Record<string, unknown>), messageKeyword: 'stop' });
    // Act
    const [outcome] = await processInboundSmsEvent(event, deps);
    // Assess
    expect(outcome).toEqual({ kind: 'opted_out', keyword: 'STOP', customers: [{ customerId, topics: ['marketing'] }] });
    expect(outbox.messages()).toEqual([]);
  });

  it('confirms a sentence opt-out from a number no customer holds, tagged as an unknown sender, and writes nothing', async () => {
    // Prepare
    const stranger = newPhone();
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(stranger, 'who is this? stop'), deps);
    // Assess
    expect(outcome).toEqual({ kind: 'unknown_number', keyword: 'STOP', replied: true });
    expect(outbox.messages().map((sent) => [sent.input.DestinationPhoneNumber, sent.input.Context?.customer_id])).toEqual([[stranger, UNKNOWN_SENDER_ID]]);
  });

  it('on the local stack, confirms a sentence opt-out and, as End User Messaging, leaves the number off the SMS outbox opt-out list: the revoked consent stops marketing texts', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    const local = { ...deps, providerOptOuts: outbox };
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, 'Stop please'), local);
    // Assess
    expect(outcome).toEqual({ kind: 'opted_out', keyword: 'STOP', customers: [{ customerId, topics: ['marketing'] }], replied: true });
    expect(await smsMarketingDecision(customerId)).toBe('skip');
    await expect(outbox.send({ to: phone, customerId, journey: 'orders', step: 'shipped', topic: 'transactional', body: 'Your order shipped' })).resolves.toMatchObject({ segments: 1 });
    expect(outbox.messages().map((sent) => sent.input.MessageBody)).toEqual([DEFAULT_SMS_OPTED_OUT_TEXT, 'Your order shipped']);
  });

  it('on the local stack too, confirms a sentence opt-out on the redelivery after the provider throttled the confirmation', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    const local = { ...deps, providerOptOuts: outbox };
    const throttled = { send: () => Promise.reject(new ProviderThrottledError({ provider: 'sms', code: 'ThrottlingException' })) };
    const event = inboundSmsEvent(phone, 'opt me out', { id: 'inbound-local-throttled' });
    // Act
    await expect(processInboundSmsEvent(event, { ...local, replies: throttled })).rejects.toThrow(ProviderThrottledError);
    const retried = await processInboundSmsEvent(event, local);
    // Assess
    expect(retried).toEqual([{ kind: 'opted_out', keyword: 'OPTOUT', customers: [{ customerId, topics: ['marketing'] }], replied: true }]);
    expect(outbox.messages().map((sent) => sent.input.MessageBody)).toEqual([DEFAULT_SMS_OPTED_OUT_TEXT]);
  });

  it('takes the confirmation from SMS_OPTED_OUT_TEXT in the sms-inbound environment, DEFAULT_SMS_OPTED_OUT_TEXT unless set', () => {
    // Prepare
    const settings = { CUSTOMER_TABLE_NAME: 't', SMS_ORIGINATION_IDENTITY: 'pool-1', SMS_CONFIGURATION_SET: 'cs' };
    const clients = { dynamodb: dynamo.client, sms: new PinpointSMSVoiceV2Client({ region: 'us-east-1' }) };
    // Act
    const byDefault = smsInboundDependencies(readEnvironment(SmsInboundEnvironmentSchema, settings), clients, outbox);
    const own = smsInboundDependencies(readEnvironment(SmsInboundEnvironmentSchema, { ...settings, SMS_OPTED_OUT_TEXT: 'Acme: unsubscribed.' }), clients, outbox);
    // Assess
    expect([byDefault.optedOutText, own.optedOutText]).toEqual([DEFAULT_SMS_OPTED_OUT_TEXT, 'Acme: unsubscribed.']);
  });

  it('grants nothing on a START or YES inside a sentence', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'revoked')]);
    const before = await partitionItems(dynamo.client, tableName, customerId);
    // Act
    const outcomes = [...(await processInboundSmsEvent(inboundSmsEvent(phone, 'START please'), deps)), ...(await processInboundSmsEvent(inboundSmsEvent(phone, 'yes I want texts'), deps))];
    // Assess
    expect(outcomes).toEqual([{ kind: 'not_a_keyword' }, { kind: 'not_a_keyword' }]);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });
});

describe('inbound SMS keywords', () => {
  it.each(OPT_OUT_KEYWORDS.flatMap((keyword) => variants(keyword).map((text) => [JSON.stringify(text), text])))(
    '%s revokes SMS consent for every topic the customer has on SMS',
    async (_label, text) => {
      // Prepare
      const { customerId, phone } = await customerWithPhone([
        consent('sms', 'marketing', 'granted'),
        consent('sms', 'newsletter', 'granted'),
        consent('email', 'marketing', 'granted'),
      ]);
      // Act
      const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, text), deps);
      // Assess
      // End User Messaging answers its required keywords itself; STOPALL and REVOKE, not among them, are confirmed from here.
      const keyword = smsKeywordOf(text)?.keyword;
      const confirmed = keyword === 'STOPALL' || keyword === 'REVOKE' ? { replied: true } : {};
      expect(outcome).toEqual({ kind: 'opted_out', keyword, customers: [{ customerId, topics: ['marketing', 'newsletter'] }], ...confirmed });
      expect(await smsStatuses(customerId)).toEqual({ marketing: 'revoked', newsletter: 'revoked' });
      const snapshot = await store.requireSnapshot(customerId);
      expect(snapshot.consents.find((state) => state.channel === 'email')?.status).toBe('granted');
    },
  );

  it.each(OPT_IN_KEYWORDS.flatMap((keyword) => variants(keyword).map((text) => [JSON.stringify(text), text])))(
    '%s grants SMS marketing consent again',
    async (_label, text) => {
      // Prepare
      const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'revoked')]);
      // Act
      const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, text), deps);
      // Assess
      expect(outcome).toMatchObject({ kind: 'opted_in', customerId, topics: ['marketing'] });
      expect(await smsStatuses(customerId)).toEqual({ marketing: 'granted' });
    },
  );

  it.each(variants('HELP').map((text) => [JSON.stringify(text), text]))('%s answers with the instructions and changes nothing', async (_label, text) => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    const before = await partitionItems(dynamo.client, tableName, customerId);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, text), deps);
    // Assess
    expect(outcome).toEqual({ kind: 'help', keyword: 'HELP', customerIds: [customerId], replied: true });
    expect(outcome?.kind === 'help' && outcome.replied).toBe(true);
    expect(outbox.messages().map((sent) => [sent.input.DestinationPhoneNumber, sent.input.MessageBody, sent.input.MessageType])).toEqual([
      [phone, deps.helpText, 'TRANSACTIONAL'],
    ]);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  /** An inbound text whose payload says End User Messaging matched `keyword` (and so answered it, for HELP). */
  function inboundWithProviderKeyword(phone: string, body: string, keyword: string): ReturnType<typeof inboundSmsEvent> {
    const event = inboundSmsEvent(phone, body);
    const [record] = event.Records;
    if (record === undefined) throw new Error('no record');
    record.Sns.Message = JSON.stringify({ ...(JSON.parse(record.Sns.Message) as Record<string, unknown>), messageKeyword: keyword });
    return event;
  }

  it.each(['HELP', 'help'])('sends no second answer to a HELP End User Messaging matched as %s, since it answered it itself', async (keyword) => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundWithProviderKeyword(phone, 'Help', keyword), deps);
    // Assess
    expect(outcome).toEqual({ kind: 'help', keyword: 'HELP', customerIds: [customerId], replied: false });
    expect(outbox.messages()).toEqual([]);
  });

  it('answers HELP on the local stack even when the payload names HELP: the SMS outbox standing in for the provider answers no keyword', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundWithProviderKeyword(phone, 'HELP', 'HELP'), { ...deps, providerOptOuts: outbox });
    // Assess
    expect(outcome).toEqual({ kind: 'help', keyword: 'HELP', customerIds: [customerId], replied: true });
    expect(outbox.messages().map((sent) => sent.input.MessageBody)).toEqual([deps.helpText]);
  });

  it('leaves the customer opted in after STOP then START handled in either order, as they last said START', async () => {
    // Prepare: two customers with the same history; SNS hands one's texts over in order, the other's not.
    const inOrder = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    const outOfOrder = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    const stop = (phone: string) => inboundSmsEvent(phone, 'STOP', { at: '2026-03-05T14:30:00.000Z' });
    const start = (phone: string) => inboundSmsEvent(phone, 'START', { at: '2026-03-05T14:31:00.000Z' });
    // Act
    await processInboundSmsEvent(stop(inOrder.phone), deps);
    await processInboundSmsEvent(start(inOrder.phone), deps);
    await processInboundSmsEvent(start(outOfOrder.phone), deps);
    await processInboundSmsEvent(stop(outOfOrder.phone), deps);
    // Assess
    expect(await smsMarketingDecision(inOrder.customerId)).toBe('send');
    expect(await smsMarketingDecision(outOfOrder.customerId)).toBe('send');
    const stopEntry = (await store.consentLedger(outOfOrder.customerId)).find((entry) => entry.proof.source === 'sms-keyword:STOP');
    expect(stopEntry).toMatchObject({ status: 'revoked', at: '2026-03-05T14:30:00.000Z' });
  });

  it('still moves a STOP past a later START texted from another number', async () => {
    // Prepare: the START came from the customer's earlier number, not the one that says STOP.
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    await store.recordConsent(customerId, {
      channel: 'sms', topic: 'marketing', status: 'granted', at: '2026-03-05T14:31:00.000Z', proof: { source: 'sms-keyword:START', phone: '+12125559999' },
    });
    // Act
    await processInboundSmsEvent(inboundSmsEvent(phone, 'STOP', { at: '2026-03-05T14:30:00.000Z' }), deps);
    // Assess
    expect(await smsStatuses(customerId)).toEqual({ marketing: 'revoked' });
  });

  it('records the keyword, the inbound message id and the number as proof, dated when SNS received the text', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    // Act
    await processInboundSmsEvent(inboundSmsEvent(phone, ' Stop ', { id: 'inbound-42', at: '2026-03-05T14:30:00.000Z' }), deps);
    // Assess
    const ledger = await store.consentLedger(customerId);
    expect(ledger.at(-1)).toEqual({
      channel: 'sms',
      topic: 'marketing',
      status: 'revoked',
      at: '2026-03-05T14:30:00.000Z',
      proof: { source: 'sms-keyword:STOP', messageId: 'inbound-42', phone },
    });
  });

  it('is idempotent when SNS delivers the same text twice', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    const event = inboundSmsEvent(phone, 'STOP', { id: 'inbound-dup' });
    await processInboundSmsEvent(event, deps);
    const after = await partitionItems(dynamo.client, tableName, customerId);
    // Act
    await processInboundSmsEvent(event, deps);
    // Assess
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(after);
  });

  it('writes nothing when SNS delivers a STOP again after the customer said START: the START stands', async () => {
    // Prepare: STOP at 14:30, START at 14:31, then the same STOP delivered again.
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    const stop = inboundSmsEvent(phone, 'STOP', { id: 'inbound-stop-1', at: '2026-03-05T14:30:00.000Z' });
    await processInboundSmsEvent(stop, deps);
    await processInboundSmsEvent(inboundSmsEvent(phone, 'START', { id: 'inbound-start-1', at: '2026-03-05T14:31:00.000Z' }), deps);
    const after = await partitionItems(dynamo.client, tableName, customerId);
    // Act
    await processInboundSmsEvent(stop, deps);
    // Assess
    const snapshot = await store.requireSnapshot(customerId);
    expect(snapshot.consents.find((state) => state.channel === 'sms' && state.topic === 'marketing')).toMatchObject({ status: 'granted', source: 'sms-keyword:START' });
    expect(await smsMarketingDecision(customerId)).toBe('send');
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(after);
  });

  it('completes a STOP cut short after some of its writes on the retry, without undoing a START said in between', async () => {
    // Prepare: the STOP revokes marketing, then the store fails on newsletter; the customer says START; SNS retries the STOP.
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted'), consent('sms', 'newsletter', 'granted')]);
    const stop = inboundSmsEvent(phone, 'STOP', { id: 'inbound-stop-cut', at: '2026-03-05T14:30:00.000Z' });
    let writes = 0;
    const failingStore = Object.create(store) as CustomerStore;
    failingStore.recordConsent = (...args) => {
      writes += 1;
      return writes > 1 ? Promise.reject(new Error('store unavailable')) : store.recordConsent(...args);
    };
    await expect(processInboundSmsEvent(stop, { ...deps, store: failingStore })).rejects.toThrow('store unavailable');
    await processInboundSmsEvent(inboundSmsEvent(phone, 'START', { id: 'inbound-start-cut', at: '2026-03-05T14:31:00.000Z' }), deps);
    // Act
    await processInboundSmsEvent(stop, deps);
    // Assess
    expect(await smsStatuses(customerId)).toEqual({ marketing: 'granted', newsletter: 'revoked' });
    const stops = (await store.consentLedger(customerId)).filter((entry) => entry.proof.messageId === 'inbound-stop-cut');
    expect(stops.map((entry) => [entry.topic, entry.at])).toEqual([
      ['marketing', '2026-03-05T14:30:00.000Z'],
      ['newsletter', '2026-03-05T14:30:00.000Z'],
    ]);
  });

  it('records the opt-out even when the customer never had an SMS consent', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([]);
    // Act
    await processInboundSmsEvent(inboundSmsEvent(phone, 'STOPALL'), deps);
    // Assess
    expect(await smsStatuses(customerId)).toEqual({ marketing: 'revoked' });
  });

  it('writes nothing for a number that belongs to no customer, but still answers HELP', async () => {
    // Prepare
    const stranger = newPhone();
    // Act
    const outcomes = [
      ...(await processInboundSmsEvent(inboundSmsEvent(stranger, 'STOP'), deps)),
      ...(await processInboundSmsEvent(inboundSmsEvent(stranger, 'START'), deps)),
      ...(await processInboundSmsEvent(inboundSmsEvent(stranger, 'HELP'), deps)),
    ];
    // Assess
    expect(outcomes).toEqual([
      { kind: 'unknown_number', keyword: 'STOP' },
      { kind: 'unknown_number', keyword: 'START' },
      { kind: 'help', keyword: 'HELP', customerIds: [], replied: true },
    ]);
    expect(outbox.messages().map((sent) => sent.input.Context?.customer_id)).toEqual([UNKNOWN_SENDER_ID]);
  });

  it('grants nothing on START from a number the profile no longer holds, though the index still points at the customer', async () => {
    // Prepare: the profile moved to a new number, and the index write that would drop the old one never happened.
    const { customerId, phone: oldPhone } = await customerWithPhone([consent('sms', 'marketing', 'revoked')]);
    await store.putProfile(aProfile(customerId, { phone: newPhone() }));
    // Act
    const outcomes = await processInboundSmsEvent(inboundSmsEvent(oldPhone, 'START'), deps);
    // Assess
    expect(outcomes).toEqual([{ kind: 'unknown_number', keyword: 'START' }]);
    expect(await smsStatuses(customerId)).toEqual({ marketing: 'revoked' });
  });

  it('ignores a text that is not a keyword', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    const before = await partitionItems(dynamo.client, tableName, customerId);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, "I can't wait for the weekend"), deps);
    // Assess
    expect(outcome).toEqual({ kind: 'not_a_keyword' });
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  it('refuses a malformed SNS message naming the field, never its value', async () => {
    // Prepare
    const event = inboundSmsEvent('+12125559999', 'STOP');
    const record = event.Records[0];
    if (record === undefined) throw new Error('fixture has no record');
    record.Sns.Message = JSON.stringify({ originationNumber: '2125559999', messageBody: 'STOP', inboundMessageId: 'x', destinationNumber: '+1' });
    // Act
    const run = processInboundSmsEvent(event, deps);
    // Assess
    await expect(run).rejects.toThrow(InboundSmsFormatError);
    await expect(processInboundSmsEvent(event, deps)).rejects.toThrow('Sns.Message.originationNumber');
    await expect(processInboundSmsEvent(event, deps)).rejects.not.toThrow('2125559999');
  });
});

describe('inbound SMS keywords from a number several customers hold', () => {
  it('STOP stops marketing texts to the number for every customer whose profile holds it, not only the one stored last', async () => {
    // Prepare
    const { customerIds, phone } = await customersSharingPhone(3);
    expect(await Promise.all(customerIds.map(smsMarketingDecision))).toEqual(['send', 'send', 'send']);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, 'STOP'), deps);
    // Assess
    expect(await Promise.all(customerIds.map(smsMarketingDecision))).toEqual(['skip', 'skip', 'skip']);
    expect(outcome).toEqual({ kind: 'opted_out', keyword: 'STOP', customers: customerIds.map((customerId) => ({ customerId, topics: ['marketing'] })) });
  });

  it('STOP reaches a customer the phone index lists in its earlier one-item-per-number layout', async () => {
    // Prepare: a table written before: one item per number, naming the customer stored last then.
    const { customerIds, phone } = await customersSharingPhone(1);
    const earlier = newCustomerId('legacy');
    await store.putProfile(aProfile(earlier, { phone }));
    await store.recordConsent(earlier, consent('sms', 'marketing', 'granted'));
    await putEarlierLayoutIndexItem(phone, earlier);
    // Act
    await processInboundSmsEvent(inboundSmsEvent(phone, 'STOP'), deps);
    // Assess
    expect(await smsMarketingDecision(earlier)).toBe('skip');
    expect(await smsMarketingDecision(customerIds[0] ?? '')).toBe('skip');
  });

  it('START grants nothing while the number is still indexed in the earlier layout, which may have lost a customer holding it', async () => {
    // Prepare: A and B hold the number; the earlier layout's one item names B, stored last.
    const phone = newPhone();
    const [lost, listed] = [newCustomerId('legacy-lost'), newCustomerId('legacy-listed')];
    for (const customerId of [lost, listed]) {
      await store.putProfile(aProfile(customerId, { phone }));
      await store.recordConsent(customerId, consent('sms', 'marketing', 'revoked'));
    }
    await putEarlierLayoutIndexItem(phone, listed);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, 'START'), deps);
    // Assess
    expect(outcome).toEqual({ kind: 'shared_number', keyword: 'START', customerIds: [listed] });
    expect(await smsStatuses(listed)).toEqual({ marketing: 'revoked' });
    expect(await smsStatuses(lost)).toEqual({ marketing: 'revoked' });
  });

  it('STOP leaves alone a customer the index still lists whose profile has moved to another number, where their texts now go', async () => {
    // Prepare: the profile moved, and the index write that would drop the old number never happened.
    const { customerId, phone: oldPhone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    await store.putProfile(aProfile(customerId, { phone: newPhone() }));
    // Act
    const outcomes = await processInboundSmsEvent(inboundSmsEvent(oldPhone, 'STOP'), deps);
    // Assess
    expect(outcomes).toEqual([{ kind: 'unknown_number', keyword: 'STOP' }]);
    expect(await smsMarketingDecision(customerId)).toBe('send');
  });

  it('START grants nothing to anyone when several customers hold the number: one text cannot say which of them it speaks for', async () => {
    // Prepare
    const { customerIds, phone } = await customersSharingPhone(2);
    await processInboundSmsEvent(inboundSmsEvent(phone, 'STOP', { at: '2026-03-05T14:00:00.000Z' }), deps);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, 'START'), deps);
    // Assess
    expect(outcome).toEqual({ kind: 'shared_number', keyword: 'START', customerIds });
    expect(await Promise.all(customerIds.map(smsStatuses))).toEqual([{ marketing: 'revoked' }, { marketing: 'revoked' }]);
  });

  it('START grants again once the number is back to one customer', async () => {
    // Prepare: the other customer's profile moved to another number (the index may still list it).
    const { customerIds, phone } = await customersSharingPhone(2);
    const [stays = '', moves = ''] = customerIds;
    await processInboundSmsEvent(inboundSmsEvent(phone, 'STOP', { at: '2026-03-05T14:00:00.000Z' }), deps);
    await store.putProfile(aProfile(moves, { phone: newPhone(), updatedAt: '2026-03-05T14:10:00Z' }));
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, 'START'), deps);
    // Assess
    expect(outcome).toEqual({ kind: 'opted_in', keyword: 'START', customerId: stays, topics: ['marketing'] });
    expect(await smsStatuses(stays)).toEqual({ marketing: 'granted' });
    expect(await smsStatuses(moves)).toEqual({ marketing: 'revoked' });
  });

  it('HELP answers the number once, tagged as a shared number rather than as one of its customers', async () => {
    // Prepare
    const { customerIds, phone } = await customersSharingPhone(2);
    // Act
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, 'HELP'), deps);
    // Assess
    expect(outcome).toEqual({ kind: 'help', keyword: 'HELP', customerIds, replied: true });
    expect(outbox.messages().map((sent) => [sent.input.DestinationPhoneNumber, sent.input.Context?.customer_id])).toEqual([[phone, SHARED_NUMBER_SENDER_ID]]);
  });
});

describe('the local SMS outbox as the provider opt-out list', () => {
  beforeEach(() => {
    deps = { ...deps, providerOptOuts: outbox };
  });

  const marketingText = (to: string) => ({ to, customerId: 'c-any', journey: 'win-back', step: 'nudge', topic: 'marketing', body: 'We miss you' });

  it('refuses every text to a number that said STOP, as End User Messaging does, until it says START', async () => {
    // Prepare
    const { phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    // Act
    await processInboundSmsEvent(inboundSmsEvent(phone, 'STOP'), deps);
    const refused = outbox.send(marketingText(phone));
    // Assess
    await expect(refused).rejects.toThrow(RecipientOptedOutError);
    await processInboundSmsEvent(inboundSmsEvent(phone, 'START'), deps);
    await expect(outbox.send(marketingText(phone))).resolves.toMatchObject({ segments: 1 });
    expect(outbox.messages().map((sent) => sent.input.DestinationPhoneNumber)).toEqual([phone]);
  });

  it('puts the number on the list even when the ledger cannot be written, as the provider lists it whatever the store does', async () => {
    // Prepare
    const { phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    const failingStore = Object.create(store) as CustomerStore;
    failingStore.recordConsent = () => Promise.reject(new Error('store unavailable'));
    // Act
    const run = processInboundSmsEvent(inboundSmsEvent(phone, 'STOP'), { ...deps, store: failingStore });
    // Assess
    await expect(run).rejects.toThrow('store unavailable');
    await expect(outbox.send(marketingText(phone))).rejects.toThrow(RecipientOptedOutError);
  });

  it('answers HELP from an opted-out number without a retry loop: the refused reply is not sent, and the text is handled', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([consent('sms', 'marketing', 'granted')]);
    await processInboundSmsEvent(inboundSmsEvent(phone, 'STOP'), deps);
    // Act
    const outcomes = await processInboundSmsEvent(inboundSmsEvent(phone, 'HELP'), deps);
    // Assess
    expect(outcomes).toEqual([{ kind: 'help', keyword: 'HELP', customerIds: [customerId], replied: false }]);
    expect(outbox.messages()).toEqual([]);
  });
});

describe('answering an inbound text once', () => {
  /** A reply sender that fails every send with `error`, counting the attempts. */
  function failingReplies(error: Error): { sender: InboundSmsDependencies['replies']; attempts: () => number } {
    let attempts = 0;
    return {
      sender: {
        send: () => {
          attempts += 1;
          return Promise.reject(error);
        },
      },
      attempts: () => attempts,
    };
  }
  const smsProvider = { provider: 'sms', code: 'TimeoutError' } as const;

  it('sends the HELP answer once when SNS delivers the same text twice', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone([]);
    const event = inboundSmsEvent(phone, 'HELP', { id: 'inbound-help-twice' });
    // Act
    const outcomes = [...(await processInboundSmsEvent(event, deps)), ...(await processInboundSmsEvent(event, deps))];
    // Assess
    expect(outcomes).toEqual([
      { kind: 'help', keyword: 'HELP', customerIds: [customerId], replied: true },
      { kind: 'help', keyword: 'HELP', customerIds: [customerId], replied: false },
    ]);
    expect(outbox.messages()).toHaveLength(1);
  });

  it('does not throw, and never sends again, when the provider may have taken the answer', async () => {
    // Prepare: a timeout after the request left (End User Messaging may deliver it).
    const { customerId, phone } = await customerWithPhone([]);
    const replies = failingReplies(new ProviderUnknownOutcomeError(smsProvider));
    const event = inboundSmsEvent(phone, 'HELP', { id: 'inbound-help-unknown' });
    // Act
    const first = await processInboundSmsEvent(event, { ...deps, replies: replies.sender });
    const redelivered = await processInboundSmsEvent(event, { ...deps, replies: replies.sender });
    // Assess
    expect([...first, ...redelivered]).toEqual([
      { kind: 'help', keyword: 'HELP', customerIds: [customerId], replied: false },
      { kind: 'help', keyword: 'HELP', customerIds: [customerId], replied: false },
    ]);
    expect(replies.attempts()).toBe(1);
  });

  it.each([
    ['AccessDeniedException', 403],
    ['ValidationException', 400],
    ['ResourceNotFoundException', 404],
  ])('throws an answer the provider refused with %s, quoting none of its words, and answers on the retry once fixed', async (code, httpStatusCode) => {
    // Prepare: the provider's own message quotes the number, as SMS errors do.
    const { customerId, phone } = await customerWithPhone([]);
    const said = Object.assign(new Error(`${code}: cannot send to ${phone}`), { name: code, $metadata: { httpStatusCode } });
    const refused = failingReplies(new ProviderRejectedError({ provider: 'sms', code, httpStatusCode }, { cause: said }));
    const event = inboundSmsEvent(phone, 'HELP', { id: `inbound-help-${code}` });
    // Act
    const first = processInboundSmsEvent(event, { ...deps, replies: refused.sender });
    const error: unknown = await first.catch((thrown: unknown) => thrown);
    const retried = await processInboundSmsEvent(event, deps);
    // Assess
    expect(error).toBeInstanceOf(ProviderRejectedError);
    expect(JSON.stringify({ message: idOnlyError(error).message, stack: idOnlyError(error).stack })).not.toContain(phone.slice(1));
    expect(retried).toEqual([{ kind: 'help', keyword: 'HELP', customerIds: [customerId], replied: true }]);
    expect([refused.attempts(), outbox.messages().length]).toEqual([1, 1]);
  });

  it('leaves the answer to the retry after an error where nothing was sent, and to no retry after one where it may have been', async () => {
    // Prepare: throttled (certainly not sent), then a timeout (perhaps sent), then a redelivery.
    const { customerId, phone } = await customerWithPhone([]);
    const throttled = failingReplies(new ProviderThrottledError({ provider: 'sms', code: 'ThrottlingException' }));
    const timedOut = failingReplies(new ProviderUnknownOutcomeError(smsProvider));
    const event = inboundSmsEvent(phone, 'HELP', { id: 'inbound-help-throttled' });
    // Act
    const first = processInboundSmsEvent(event, { ...deps, replies: throttled.sender });
    await expect(first).rejects.toThrow(ProviderThrottledError);
    const retried = await processInboundSmsEvent(event, { ...deps, replies: timedOut.sender });
    const redelivered = await processInboundSmsEvent(event, deps);
    // Assess
    expect([...retried, ...redelivered]).toEqual([
      { kind: 'help', keyword: 'HELP', customerIds: [customerId], replied: false },
      { kind: 'help', keyword: 'HELP', customerIds: [customerId], replied: false },
    ]);
    expect([throttled.attempts(), timedOut.attempts(), outbox.messages().length]).toEqual([1, 1, 0]);
  });
});

describe('overture receive-sms, in words', () => {
  it('says whether the confirmation of an opt-out read in a sentence went out, and that only a bare keyword puts the number on the outbox opt-out list', () => {
    // Prepare
    const customers = [{ customerId: 'c-1', topics: ['marketing'] }];
    // Act
    const lines = [
      formatInboundSmsOutcome({ kind: 'opted_out', keyword: 'STOP', customers, replied: true }),
      formatInboundSmsOutcome({ kind: 'opted_out', keyword: 'STOP', customers }),
      formatInboundSmsOutcome({ kind: 'unknown_number', keyword: 'STOP', replied: false }),
    ];
    // Assess
    expect(lines).toEqual([
      "STOP: SMS consent revoked for c-1 (marketing); the number is not on the outbox's opt-out list (only an exact opt-out keyword puts it there); opt-out confirmation: the reply is in the SMS outbox",
      "STOP: SMS consent revoked for c-1 (marketing); the number is on the outbox's opt-out list",
      'STOP: no customer holds the number, no consent changed; opt-out confirmation: no reply was sent (answered before, or the outbox refused it)',
    ]);
  });
});
