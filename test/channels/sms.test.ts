import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ConflictException,
  InternalServerException,
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  EndUserMessagingSmsSender,
  LocalSmsOutbox,
  MessageInvalidError,
  PROVIDER_CLIENT_CONFIG,
  ProviderRejectedError,
  ProviderThrottledError,
  ProviderUnknownOutcomeError,
  RecipientOptedOutError,
  type SmsMessage,
  type SmsSenderConfig,
} from '../../lib/channels';

const smsMock = mockClient(PinpointSMSVoiceV2Client);

const config: SmsSenderConfig = {
  originationIdentity: 'arn:aws:sms-voice:us-east-1:111122223333:pool/pool-abc',
  configurationSetName: 'overture-sms',
};

function text(overrides: Partial<SmsMessage> = {}): SmsMessage {
  return {
    to: '+12125550143',
    customerId: 'c-001',
    journey: 'welcome',
    step: 'welcome-sms',
    topic: 'marketing',
    body: 'Welcome to Overture!',
    ...overrides,
  };
}

function sender(extra: Partial<SmsSenderConfig> = {}): EndUserMessagingSmsSender {
  return new EndUserMessagingSmsSender(new PinpointSMSVoiceV2Client({ ...PROVIDER_CLIENT_CONFIG, region: 'us-east-1' }), {
    ...config,
    ...extra,
  });
}

beforeEach(() => {
  smsMock.reset();
});

describe('EndUserMessagingSmsSender', () => {
  it('sends a marketing text as PROMOTIONAL with the opt-out instruction, origination identity and configuration set', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
    // Act
    const receipt = await sender().send(text());
    // Assess
    expect(receipt).toEqual({ providerMessageId: 'sms-1', segments: 1 });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 1);
    expect(smsMock.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toEqual({
      DestinationPhoneNumber: '+12125550143',
      OriginationIdentity: 'arn:aws:sms-voice:us-east-1:111122223333:pool/pool-abc',
      MessageBody: 'Overture: Welcome to Overture!\nReply STOP to opt out',
      MessageType: 'PROMOTIONAL',
      ConfigurationSetName: 'overture-sms',
      Context: { customer_id: 'c-001', journey: 'welcome', step: 'welcome-sms', topic: 'marketing' },
    });
  });

  it('sends a transactional text as TRANSACTIONAL, without an opt-out instruction', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-2' });
    // Act
    await sender().send(text({ topic: 'transactional', body: 'Your code is 123456' }));
    // Assess
    expect(smsMock).toHaveReceivedCommandWith(SendTextMessageCommand, {
      MessageBody: 'Your code is 123456',
      MessageType: 'TRANSACTIONAL',
    });
  });

  it('does not repeat an opt-out instruction the text already carries, and uses the configured wording and TTL', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-3' });
    // Act
    await sender({ optOutInstruction: 'Text STOP to end', timeToLiveSeconds: 3600 }).send(
      text({ body: 'Sale today. text stop to end' }),
    );
    // Assess
    expect(smsMock).toHaveReceivedCommandWith(SendTextMessageCommand, {
      MessageBody: 'Overture: Sale today. text stop to end',
      TimeToLive: 3600,
    });
  });

  it('counts segments on the final text, opt-out included', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-4' });
    const body = 'a'.repeat(150); // 150 + "\n" + 21 = 172 septets: two segments of 153
    // Act
    const receipt = await sender().send(text({ body }));
    // Assess
    expect(receipt.segments).toBe(2);
  });

  it.each([
    ['a national number', '2125550143'],
    ['spaces', '+1 212 555 0143'],
    ['letters', '+1212555O143'],
  ])('refuses a destination with %s without calling the provider or echoing the number', async (_case, to) => {
    // Act
    const failure = sender().send(text({ to }));
    // Assess
    await expect(failure).rejects.toBeInstanceOf(MessageInvalidError);
    await expect(failure).rejects.toMatchObject({ fields: ['to'] });
    await expect(failure).rejects.not.toThrow(to);
    expect(smsMock).not.toHaveReceivedCommand(SendTextMessageCommand);
  });

  it('refuses an empty body', async () => {
    // Act
    const failure = sender().send(text({ body: '   ' }));
    // Assess
    await expect(failure).rejects.toMatchObject({ name: 'MessageInvalidError', fields: ['body'] });
  });

  it('raises ProviderThrottledError on ThrottlingException', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).rejects(new ThrottlingException({ message: 'slow down', $metadata: { httpStatusCode: 429 } }));
    // Act
    const failure = sender().send(text());
    // Assess
    await expect(failure).rejects.toBeInstanceOf(ProviderThrottledError);
    await expect(failure).rejects.toMatchObject({ provider: 'sms' });
  });

  it('raises ProviderRejectedError on ValidationException', async () => {
    // Prepare
    smsMock
      .on(SendTextMessageCommand)
      .rejects(new ValidationException({ message: 'bad', Reason: 'INVALID_PARAMETER', $metadata: { httpStatusCode: 400 } }));
    // Act
    const failure = sender().send(text());
    // Assess
    await expect(failure).rejects.toBeInstanceOf(ProviderRejectedError);
  });

  it('raises RecipientOptedOutError when End User Messaging refuses an opted-out destination, without echoing the number', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).rejects(
      new ConflictException({
        message: 'The destination phone number +12125550143 is opted out',
        Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
        ResourceType: 'opt-out-list',
        ResourceId: 'Default',
        $metadata: { httpStatusCode: 400, requestId: 'req-1' },
      }),
    );
    // Act
    const failure = sender().send(text());
    // Assess
    await expect(failure).rejects.toBeInstanceOf(RecipientOptedOutError);
    await expect(failure).rejects.toMatchObject({
      name: 'RecipientOptedOutError',
      provider: 'sms',
      code: 'ConflictException',
      requestId: 'req-1',
      mayHaveBeenSent: false,
      retryable: false,
    });
    await expect(failure).rejects.not.toThrow('+12125550143');
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 1);
  });

  it('raises a plain ProviderRejectedError on a ConflictException for another reason', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).rejects(
      new ConflictException({
        message: 'not verified',
        Reason: 'DESTINATION_PHONE_NUMBER_NOT_VERIFIED',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    // Act
    const failure = sender().send(text());
    // Assess
    await expect(failure).rejects.toBeInstanceOf(ProviderRejectedError);
    await expect(failure).rejects.not.toBeInstanceOf(RecipientOptedOutError);
  });

  it('raises ProviderUnknownOutcomeError on InternalServerException', async () => {
    // Prepare
    smsMock
      .on(SendTextMessageCommand)
      .rejects(new InternalServerException({ message: 'oops', $metadata: { httpStatusCode: 500 } }));
    // Act
    const failure = sender().send(text());
    // Assess
    await expect(failure).rejects.toBeInstanceOf(ProviderUnknownOutcomeError);
  });
});

describe('LocalSmsOutbox', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'overture-outbox-'));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('records exactly the command input the real adapter would send, as JSON lines, with the injected clock and ids', async () => {
    // Prepare
    const file = path.join(folder, 'nested', 'sms.jsonl');
    let next = 0;
    const outbox = new LocalSmsOutbox(config, {
      file,
      now: () => new Date('2026-03-02T22:00:00Z'),
      newMessageId: () => `sms-local-${++next}`,
    });
    smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-real' });
    await sender().send(text());
    const realInput = smsMock.commandCalls(SendTextMessageCommand)[0]?.args[0].input;
    // Act
    const first = await outbox.send(text());
    await outbox.send(text({ topic: 'transactional', body: 'Code 1234 🎉' }));
    // Assess
    expect(first).toEqual({ providerMessageId: 'sms-local-1', segments: 1 });
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual(outbox.messages());
    expect(lines[0]).toEqual({ messageId: 'sms-local-1', at: '2026-03-02T22:00:00.000Z', input: realInput, segments: 1, encoding: 'GSM-7' });
    expect(lines[1]).toMatchObject({ messageId: 'sms-local-2', encoding: 'UCS-2', input: { MessageType: 'TRANSACTIONAL' } });
  });

  it('refuses what the real adapter refuses', async () => {
    // Prepare
    const outbox = new LocalSmsOutbox(config);
    // Act
    const failure = outbox.send(text({ to: '0044 20 7946 0958' }));
    // Assess
    await expect(failure).rejects.toBeInstanceOf(MessageInvalidError);
    expect(outbox.messages()).toEqual([]);
  });
});
