import path from 'node:path';
import { DirectMailRequestSchema, SqsDirectMailSender } from '../../lib/channels';
import { loadTemplateCatalog, mailMergeFields, type PersonalizationData } from '../../lib/templates';
import { startFauxqs, type Fauxqs } from '../support/fauxqs';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

let fauxqs: Fauxqs;

beforeAll(async () => {
  fauxqs = await startFauxqs();
});

afterAll(async () => {
  await fauxqs.stop();
});

const data: PersonalizationData = {
  customer: { id: 'c-001', stage: 'prospect', attributes: {} },
  unsubscribeUrl: 'https://prefs.example.com/unsubscribe?token=a.b',
  preferencesUrl: 'https://prefs.example.com/preferences?token=c.d',
  senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
};

describe('direct mail through the SQS emulator', () => {
  it('puts exactly one letter with the exact body and the idempotency key attribute on the direct-mail queue', async () => {
    // Prepare
    const queueUrl = await fauxqs.createQueue('overture-direct-mail');
    const template = loadTemplateCatalog(path.join(__dirname, '../../workflows/templates')).get('welcome');
    const { printTemplate, mergeFields } = mailMergeFields(template, data);
    const letter = {
      customerId: 'c-001',
      journey: 'welcome',
      step: 'welcome-postcard',
      templateId: 'welcome',
      printTemplate,
      address: { line1: '1 Main St', line2: 'Apt 4', city: 'Springfield', region: 'MA', postalCode: '01101', country: 'US' },
      mergeFields,
      idempotencyKey: 'welcome-c-001-signed_up-1#welcome-postcard',
    };
    // Act
    const receipt = await new SqsDirectMailSender(fauxqs.sqs, { queueUrl }).send(letter);
    // Assess
    const received = await fauxqs.receiveAll(queueUrl);
    expect(received).toHaveLength(1);
    expect(received[0]?.MessageId).toBe(receipt.providerMessageId);
    expect(JSON.parse(received[0]?.Body ?? 'null')).toEqual({
      customerId: 'c-001',
      journey: 'welcome',
      step: 'welcome-postcard',
      templateId: 'welcome',
      printTemplate: 'welcome-postcard-v1',
      address: { line1: '1 Main St', line2: 'Apt 4', city: 'Springfield', region: 'MA', postalCode: '01101', country: 'US' },
      mergeFields: { preferencesUrl: 'https://prefs.example.com/preferences?token=c.d' },
      idempotencyKey: 'welcome-c-001-signed_up-1#welcome-postcard',
    });
    expect(DirectMailRequestSchema.safeParse(JSON.parse(received[0]?.Body ?? 'null')).success).toBe(true);
    expect(received[0]?.MessageAttributes).toEqual({
      idempotencyKey: { DataType: 'String', StringValue: 'welcome-c-001-signed_up-1#welcome-postcard' },
    });
  });

  it('deduplicates a repeated letter on a FIFO queue by its idempotency key', async () => {
    // Prepare
    const queueUrl = await fauxqs.createQueue('overture-direct-mail.fifo', { FifoQueue: 'true' });
    const sender = new SqsDirectMailSender(fauxqs.sqs, { queueUrl });
    const letter = {
      customerId: 'c-002',
      journey: 'welcome',
      step: 'welcome-postcard',
      templateId: 'welcome',
      printTemplate: 'welcome-postcard-v1',
      address: { line1: '2 Elm St', city: 'Springfield', postalCode: '01101', country: 'US' },
      mergeFields: {},
      idempotencyKey: 'welcome-c-002-signed_up-1#welcome-postcard',
    };
    // Act
    await sender.send(letter);
    await sender.send(letter);
    // Assess
    const received = await fauxqs.receiveAll(queueUrl);
    expect(received.map((message) => JSON.parse(message.Body ?? 'null') as unknown)).toEqual([letter]);
  });
});
