import { createHash } from 'node:crypto';
import { SendMessageCommand, SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  MessageInvalidError,
  PROVIDER_CLIENT_CONFIG,
  ProviderRejectedError,
  ProviderThrottledError,
  ProviderUnknownOutcomeError,
  SqsDirectMailSender,
  type DirectMailMessage,
} from '../../lib/channels';

const sqsMock = mockClient(SQSClient);

const queueUrl = 'https://sqs.us-east-1.amazonaws.com/111122223333/overture-direct-mail';

function letter(overrides: Partial<DirectMailMessage> = {}): DirectMailMessage {
  return {
    customerId: 'c-001',
    journey: 'welcome',
    step: 'welcome-postcard',
    templateId: 'welcome',
    printTemplate: 'welcome-postcard-v1',
    address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' },
    mergeFields: { firstName: 'Ana', interests: ['running'] },
    idempotencyKey: 'welcome-c-001-signed_up-1#welcome-postcard',
    ...overrides,
  };
}

function sender(url = queueUrl): SqsDirectMailSender {
  return new SqsDirectMailSender(new SQSClient({ ...PROVIDER_CLIENT_CONFIG, region: 'us-east-1' }), { queueUrl: url });
}

function sqsError(name: string, httpStatusCode: number, fault: 'client' | 'server'): SQSServiceException {
  return new SQSServiceException({ name, $fault: fault, $metadata: { httpStatusCode }, message: name });
}

beforeEach(() => {
  sqsMock.reset();
});

describe('SqsDirectMailSender', () => {
  it('puts the exact letter body and the idempotency key attribute on a standard queue', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sqs-1' });
    // Act
    const receipt = await sender().send(letter());
    // Assess
    expect(receipt).toEqual({ providerMessageId: 'sqs-1' });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: queueUrl,
      MessageBody:
        '{"customerId":"c-001","journey":"welcome","step":"welcome-postcard","templateId":"welcome",' +
        '"printTemplate":"welcome-postcard-v1",' +
        '"address":{"line1":"1 Main St","city":"Springfield","postalCode":"01101","country":"US"},' +
        '"mergeFields":{"firstName":"Ana","interests":["running"]},' +
        '"idempotencyKey":"welcome-c-001-signed_up-1#welcome-postcard"}',
      MessageAttributes: {
        idempotencyKey: { DataType: 'String', StringValue: 'welcome-c-001-signed_up-1#welcome-postcard' },
      },
    });
  });

  it('adds a message group and a hashed deduplication id on a FIFO queue', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sqs-2' });
    const key = 'welcome-c-001-signed_up-1#welcome-postcard';
    // Act
    await sender(`${queueUrl}.fifo`).send(letter());
    // Assess
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, {
      MessageGroupId: 'c-001',
      MessageDeduplicationId: createHash('sha256').update(key).digest('hex'),
    });
  });

  it.each([
    ['an address without a city', { address: { line1: '1 Main St', city: '', postalCode: '01101', country: 'US' } }, 'address.city'],
    ['a lower-case country code', { address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'us' } }, 'address.country'],
    ['an empty merge field', { mergeFields: { firstName: '' } }, 'mergeFields.firstName'],
    ['no idempotency key', { idempotencyKey: '' }, 'idempotencyKey'],
  ])('refuses a letter with %s without calling SQS, naming the field but not its value', async (_case, overrides, field) => {
    // Act
    const failure = sender().send(letter(overrides as Partial<DirectMailMessage>));
    // Assess
    await expect(failure).rejects.toBeInstanceOf(MessageInvalidError);
    await expect(failure).rejects.toMatchObject({ fields: [field] });
    await expect(failure).rejects.not.toThrow(/Main St|Springfield/);
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it.each([
    ['RequestThrottled', 403, 'client', ProviderThrottledError],
    ['QueueDoesNotExist', 400, 'client', ProviderRejectedError],
    ['InternalError', 500, 'server', ProviderUnknownOutcomeError],
  ] as const)('classifies SQS %s', async (name, status, fault, expected) => {
    // Prepare
    sqsMock.on(SendMessageCommand).rejects(sqsError(name, status, fault));
    // Act
    const failure = sender().send(letter());
    // Assess
    await expect(failure).rejects.toBeInstanceOf(expected);
    await expect(failure).rejects.toMatchObject({ provider: 'sqs', code: name });
  });
});
