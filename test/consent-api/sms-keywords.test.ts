import { LocalSmsOutbox } from '../../lib/channels/sms-outbox';
import {
  HELP_KEYWORDS,
  InboundSmsFormatError,
  OPT_IN_KEYWORDS,
  OPT_OUT_KEYWORDS,
  processInboundSmsEvent,
  smsKeywordOf,
  type InboundSmsDependencies,
} from '../../lib/sms-keywords';
import { CustomerStore, type ConsentEvent } from '../../lib/store';
import { indexProfilePhone } from '../../lib/store/phone-index';
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

  it.each(['stop please', 'STOP!', 'S T O P', 'help me', '', 'startup'])('ignores %j, which is not a keyword', (text) => {
    // Act
    const matched = smsKeywordOf(text);
    // Assess
    expect(matched).toBeUndefined();
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
      expect(outcome).toMatchObject({ kind: 'opted_out', customerId, topics: ['marketing', 'newsletter'] });
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
    expect(outcome).toEqual({ kind: 'help', keyword: 'HELP', customerId, replied: true });
    expect(outcome?.kind === 'help' && outcome.replied).toBe(true);
    expect(outbox.messages().map((sent) => [sent.input.DestinationPhoneNumber, sent.input.MessageBody, sent.input.MessageType])).toEqual([
      [phone, deps.helpText, 'TRANSACTIONAL'],
    ]);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  it('records the keyword and the inbound message id as proof, dated when SNS received the text', async () => {
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
      proof: { source: 'sms-keyword:STOP', messageId: 'inbound-42' },
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
      { kind: 'help', keyword: 'HELP', replied: true },
    ]);
    expect(outbox.messages().map((sent) => sent.input.Context?.customer_id)).toEqual(['unknown-sender']);
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
    const [outcome] = await processInboundSmsEvent(inboundSmsEvent(phone, 'please stop sending these'), deps);
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
