/**
 * What customers receive, rendered and sent by the real send path (deliverMessage) on the local
 * emulators (dynalite, ses-local, fauxqs): letters, personalisation with long or hostile data, and
 * the length of texts that carry a link.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { simpleParser } from 'mailparser';
import { LocalSmsOutbox, PROVIDER_CLIENT_CONFIG, SesEmailSender, SqsDirectMailSender } from '../../lib/channels';
import { countSmsSegments } from '../../lib/channels/sms-segments';
import type { Profile } from '../../lib/customer/model';
import { deliverMessage, type DeliveryPorts } from '../../lib/delivery/deliver-message';
import { CustomerStore } from '../../lib/store';
import { itemKeys } from '../../lib/store/item-keys';
import { PARTITION_KEY, SORT_KEY } from '../../lib/store/table-design';
import { loadTemplateCatalog } from '../../lib/templates';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startFauxqs, type Fauxqs } from '../support/fauxqs';
import { startSesLocal, type SesLocal } from '../support/ses-local';
import { welcomeStep } from '../support/send-steps';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

const SECRET = 'message-content-link-signing-secret-0123456789';
const NOON = new Date('2026-03-02T17:00:00Z'); // 12:00 in New York
const GRANTED_AT = '2026-03-01T12:00:00Z';

let dynamo: DynaliteHarness;
let ses: SesLocal;
let sqs: Fauxqs;
let store: CustomerStore;
let tableName: string;
let queueUrl: string;
let ports: DeliveryPorts;
let sequence = 0;
let outbox: LocalSmsOutbox;

beforeAll(async () => {
  [dynamo, ses, sqs] = await Promise.all([startDynalite(), startSesLocal(), startFauxqs()]);
  tableName = await createCustomerTable(dynamo.client, 'message-content');
  store = new CustomerStore({ client: dynamo.client, tableName });
  queueUrl = await sqs.createQueue('message-content-mail');
  const sesClient = new SESv2Client({
    ...PROVIDER_CLIENT_CONFIG,
    endpoint: ses.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  ports = {
    store,
    templates: loadTemplateCatalog('workflows/templates'),
    links: { baseUrl: 'https://preferences.example.com', secret: SECRET },
    senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
    senders: {
      email: new SesEmailSender(sesClient, { fromEmailAddress: 'journeys@example.com', configurationSetName: 'overture-test' }),
      sms: (outbox = new LocalSmsOutbox({ originationIdentity: 'pool-test', configurationSetName: 'overture-test' })),
      mail: new SqsDirectMailSender(sqs.sqs, { queueUrl }),
    },
    now: () => NOON,
  };
});

afterAll(async () => {
  await Promise.all([dynamo.stop(), ses.stop(), sqs.stop()]);
});

/** A loyal customer in New York, reachable on every channel, who granted marketing on each the day before. */
async function enrolledCustomer(profile: Partial<Profile> = {}, id?: string): Promise<{ customerId: string; email: string }> {
  sequence += 1;
  const customerId = id ?? `mc-${sequence}`;
  const email = `content${sequence}@example.com`;
  await store.putProfile({
    customerId,
    stage: 'loyal',
    timezone: 'America/New_York',
    email,
    phone: '+12125550143',
    address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' },
    updatedAt: GRANTED_AT,
    ...profile,
  });
  for (const channel of ['email', 'sms', 'mail'] as const) {
    await store.recordConsent(customerId, { channel, topic: 'marketing', status: 'granted', at: GRANTED_AT, proof: { source: 'web-form', consentTextVersion: 'v3' } });
  }
  return { customerId, email };
}

/** loyalty's "thanks" step for `customerId`, on `channels`. */
function thanksStep(customerId: string, channels: Array<'email' | 'mail'>) {
  return welcomeStep(customerId, channels, { journey: 'loyalty', step: 'thanks', execution: `loyalty-${customerId}-1`, templateId: 'loyalty-thanks' });
}

async function lettersFor(customerId: string): Promise<Array<Record<string, unknown>>> {
  return (await sqs.receiveAll(queueUrl))
    .map((message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>)
    .filter((letter) => letter.customerId === customerId);
}

/** The email the SES emulator holds for `address`, parsed. */
async function emailTo(address: string) {
  const stored = (await ses.messages()).find((message) => message.destination.to.includes(address));
  return simpleParser(await ses.rawMessage(stored?.messageId ?? ''));
}

describe('letters', () => {
  it('a marketing letter (loyalty thanks, by post) carries the preference-centre link', async () => {
    // Prepare: a gold-tier customer, reachable by post
    const { customerId } = await enrolledCustomer();
    await store.setAttributes(customerId, { tier: 'gold', firstName: 'Ana' }, { at: GRANTED_AT });

    // Act
    const outcome = await deliverMessage(ports, thanksStep(customerId, ['mail']));

    // Assess: the print vendor gets a preference link to print
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'mail' });
    const [letter] = await lettersFor(customerId);
    expect((letter?.mergeFields as Record<string, unknown>).preferencesUrl).toMatch(/^https:\/\/preferences\.example\.com\/p\?token=/);
  });

  it('refuses to store an address whose lines are blank (a CRM export\'s empty columns), naming the fields', async () => {
    // Act
    const write = store.putProfile({
      customerId: 'mc-blank-address',
      stage: 'prospect',
      timezone: 'America/New_York',
      address: { line1: ' ', city: '\t', postalCode: '  ', country: 'US' },
      updatedAt: GRANTED_AT,
    });

    // Assess
    await expect(write).rejects.toThrow(
      'profile.address.line1: must not be blank; profile.address.city: must not be blank; profile.address.postalCode: must not be blank',
    );
    expect(await store.getProfile('mc-blank-address')).toBeUndefined();
  });

  /** Sets the stored profile's address of `customerId` to blank lines, as a former version let through. */
  async function storeBlankAddress(customerId: string): Promise<void> {
    await dynamo.client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { [PARTITION_KEY]: { S: itemKeys.partition(customerId) }, [SORT_KEY]: { S: itemKeys.profile() } },
        UpdateExpression: 'SET #address = :blank',
        ExpressionAttributeNames: { '#address': 'address' },
        ExpressionAttributeValues: { ':blank': { M: { line1: { S: ' ' }, city: { S: ' ' }, postalCode: { S: ' ' }, country: { S: 'US' } } } },
      }),
    );
  }

  it('queues no letter to a blank address stored before addresses were checked, and still emails that customer', async () => {
    // Prepare
    const { customerId, email } = await enrolledCustomer();
    await storeBlankAddress(customerId);

    // Act
    const letter = await deliverMessage(ports, welcomeStep(customerId, ['mail'], { step: 'welcome-letter' }));
    const emailed = await deliverMessage(ports, welcomeStep(customerId, ['email'], { step: 'welcome-email' }));

    // Assess: nothing for the print vendor (no address to reach), and the email goes out as before
    expect(letter).toMatchObject({ outcome: 'skipped' });
    expect(await lettersFor(customerId)).toEqual([]);
    expect(emailed).toMatchObject({ outcome: 'sent', channel: 'email' });
    expect((await emailTo(email)).subject).toBe('Welcome: here is what comes next');
  });

  it('reads such a profile as one without an address, so an event can give it a real one', async () => {
    // Prepare
    const { customerId } = await enrolledCustomer();
    await storeBlankAddress(customerId);

    // Act
    const read = await store.getProfile(customerId);
    const eventState = await store.readEventState(customerId);
    await store.updateProfile(customerId, { address: { line1: ' 2 Elm St ', city: 'Springfield', postalCode: '01102', country: 'US' } }, '2026-03-02T12:00:00Z');

    // Assess: the address is trimmed as it is stored
    expect(read).not.toHaveProperty('address');
    expect(eventState.profile).not.toHaveProperty('address');
    expect((await store.getProfile(customerId))?.address).toEqual({ line1: '2 Elm St', city: 'Springfield', postalCode: '01102', country: 'US' });
  });
});

describe('personalisation with long or hostile data', () => {
  it('sends the welcome email to a customer whose (optional) first name is very long, with a subject without it', async () => {
    // Prepare: a first name of 1,000 characters (a pasted bio, a bot's sign-up)
    const { customerId, email } = await enrolledCustomer();
    await store.setAttributes(customerId, { firstName: 'A'.repeat(1000) }, { at: GRANTED_AT });

    // Act
    const outcome = await deliverMessage(ports, welcomeStep(customerId));

    // Assess: sent; the subject as for a customer without a name
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email' });
    expect((await emailTo(email)).subject).toBe('Welcome: here is what comes next');
  });

  it('keeps a bidi override in a first name from reversing the rest of the subject and body', async () => {
    // Prepare: a name ending in an unterminated RIGHT-TO-LEFT OVERRIDE (U+202E), and a tier with an isolate
    const { customerId, email } = await enrolledCustomer();
    await store.setAttributes(customerId, { firstName: 'Ana\u202E', tier: '\u2067gold' }, { at: GRANTED_AT });

    // Act
    const outcome = await deliverMessage(ports, thanksStep(customerId, ['email']));

    // Assess: sent, with no bidi control in the subject, the text or the HTML
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email' });
    const mime = await emailTo(email);
    expect(mime.subject).toBe('Thank you, Ana: welcome to gold');
    const bidiControl = /[\u202A-\u202E\u2066-\u2069]/u;
    expect(mime.text).not.toMatch(bidiControl);
    expect(mime.html || '').not.toMatch(bidiControl);
    expect(mime.text).toContain('Hello Ana,');
  });
});

describe("the sender's postal address", () => {
  it('a marketing email (loyalty thanks) shows the configured address in its footer, in the text and the HTML part', async () => {
    // Prepare: a customer who granted marketing email; the deployment's address is on four lines
    const { customerId, email } = await enrolledCustomer();

    // Act
    const outcome = await deliverMessage(ports, thanksStep(customerId, ['email']));

    // Assess: CAN-SPAM's physical postal address, every line of it, in both parts
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email' });
    const mime = await emailTo(email);
    expect(mime.text).toContain(TEST_SENDER_POSTAL_ADDRESS);
    expect(mime.html || '').toContain(TEST_SENDER_POSTAL_ADDRESS.split('\n').join('<br />\n'));
  });
});

describe('texts', () => {
  it.each(['nurture', 'welcome'])(
    'the %s text with its preference link is one GSM-7 segment for a customer id that is a UUID, at the README\'s public URL',
    async (templateId) => {
      // Prepare: customer ids are often UUIDs (36 characters), and the link carries the id
      const { customerId } = await enrolledCustomer({}, `3f2504e0-4f89-41d3-9a0c-0305e82c${String(3300 + sequence).padStart(4, '0')}`);

      // Act
      const outcome = await deliverMessage(
        ports,
        welcomeStep(customerId, ['sms'], { journey: 'prospect-nurture', step: `${templateId}-sms`, execution: `n-${customerId}-1`, templateId }),
      );

      // Assess: as docs/journeys.md promises for the catalog's texts
      expect(outcome).toMatchObject({ outcome: 'sent', channel: 'sms' });
      const text = outbox.messages().find((message) => message.input.Context?.customer_id === customerId);
      expect(countSmsSegments(text?.input.MessageBody ?? '')).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    },
  );
});
