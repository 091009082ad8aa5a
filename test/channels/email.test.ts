import { SendEmailCommand, SESv2Client, SESv2ServiceException, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  ChannelConfigurationError,
  MessageInvalidError,
  PROVIDER_CLIENT_CONFIG,
  ProviderRejectedError,
  ProviderThrottledError,
  ProviderUnknownOutcomeError,
  SesEmailSender,
  type EmailMessage,
  type EmailSenderConfig,
} from '../../lib/channels';

const sesMock = mockClient(SESv2Client);

const config: EmailSenderConfig = {
  fromEmailAddress: 'Overture <news@example.com>',
  configurationSetName: 'overture-marketing',
};
const unsubscribe = 'https://prefs.example.com/unsubscribe?token=abc.def';

function marketingEmail(overrides: Partial<EmailMessage> = {}): EmailMessage {
  return {
    to: 'ana@example.com',
    customerId: 'c-001',
    journey: 'welcome',
    step: 'welcome-email',
    topic: 'marketing',
    content: { subject: 'Welcome', html: '<p>Hello</p>', text: 'Hello' },
    unsubscribeUrl: unsubscribe,
    ...overrides,
  };
}

function sender(): SesEmailSender {
  return new SesEmailSender(new SESv2Client({ ...PROVIDER_CLIENT_CONFIG, region: 'us-east-1' }), config);
}

function serviceError(name: string, httpStatusCode: number, fault: 'client' | 'server'): SESv2ServiceException {
  return new SESv2ServiceException({ name, $fault: fault, $metadata: { httpStatusCode, requestId: 'req-1' }, message: name });
}

beforeEach(() => {
  sesMock.reset();
});

describe('SesEmailSender', () => {
  it('sends marketing mail with both parts, the one-click unsubscribe headers, the configuration set and tags', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-123' });
    // Act
    const receipt = await sender().send(marketingEmail());
    // Assess
    expect(receipt).toEqual({ providerMessageId: 'ses-123' });
    expect(sesMock).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input).toEqual({
      FromEmailAddress: 'Overture <news@example.com>',
      Destination: { ToAddresses: ['ana@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Welcome', Charset: 'UTF-8' },
          Body: {
            Html: { Data: '<p>Hello</p>', Charset: 'UTF-8' },
            Text: { Data: 'Hello', Charset: 'UTF-8' },
          },
          Headers: [
            { Name: 'List-Unsubscribe', Value: `<${unsubscribe}>` },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
        },
      },
      ConfigurationSetName: 'overture-marketing',
      EmailTags: [
        { Name: 'customer_id', Value: 'c-001' },
        { Name: 'journey', Value: 'welcome' },
        { Name: 'step', Value: 'welcome-email' },
        { Name: 'topic', Value: 'marketing' },
      ],
    });
  });

  it('sends transactional mail without List-Unsubscribe headers and without needing an unsubscribe URL', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-124' });
    const receipt = marketingEmail({ topic: 'transactional' });
    delete receipt.unsubscribeUrl;
    // Act
    await sender().send(receipt);
    // Assess
    const input = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(input?.Content?.Simple?.Headers).toBeUndefined();
    expect(input?.EmailTags).toContainEqual({ Name: 'topic', Value: 'transactional' });
  });

  it('sanitizes journey and step names to the characters SES allows in tags', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-125' });
    // Act
    await sender().send(marketingEmail({ journey: 'win back: été', step: 'step #2.a' }));
    // Assess
    expect(sesMock).toHaveReceivedCommandWith(SendEmailCommand, {
      EmailTags: [
        { Name: 'customer_id', Value: 'c-001' },
        { Name: 'journey', Value: 'win_back___t_' },
        { Name: 'step', Value: 'step__2_a' },
        { Name: 'topic', Value: 'marketing' },
      ],
    });
  });

  it('adds the configured reply-to addresses', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-126' });
    const withReplyTo = new SesEmailSender(new SESv2Client({ ...PROVIDER_CLIENT_CONFIG, region: 'us-east-1' }), {
      ...config,
      replyToAddresses: ['care@example.com'],
    });
    // Act
    await withReplyTo.send(marketingEmail());
    // Assess
    expect(sesMock).toHaveReceivedCommandWith(SendEmailCommand, { ReplyToAddresses: ['care@example.com'] });
  });

  it.each([
    ['marketing mail without an unsubscribe URL', { unsubscribeUrl: undefined }, 'unsubscribeUrl'],
    ['a plain-http unsubscribe URL on a public host', { unsubscribeUrl: 'http://prefs.example.com/unsubscribe?token=x' }, 'unsubscribeUrl'],
    ['an address that is not one', { to: 'not-an-address' }, 'to'],
    ['a subject with a line break', { content: { subject: 'Hi\r\nBcc: x@example.com', html: '<p>x</p>', text: 'x' } }, 'content.subject'],
  ])('refuses %s without calling SES, naming the field but not its value', async (_case, overrides, field) => {
    // Prepare
    const message = marketingEmail(overrides as Partial<EmailMessage>);
    // Act
    const failure = sender().send(message);
    // Assess
    await expect(failure).rejects.toBeInstanceOf(MessageInvalidError);
    await expect(failure).rejects.toMatchObject({ fields: expect.arrayContaining([field]) });
    await expect(failure).rejects.not.toThrow(/not-an-address|x@example\.com/);
    expect(sesMock).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('raises ProviderThrottledError when SES says the sending rate is exceeded', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).rejects(
      new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: { httpStatusCode: 429 } }),
    );
    // Act
    const failure = sender().send(marketingEmail());
    // Assess
    await expect(failure).rejects.toBeInstanceOf(ProviderThrottledError);
    await expect(failure).rejects.toMatchObject({ name: 'ProviderThrottledError', provider: 'ses', code: 'TooManyRequestsException' });
  });

  it('raises ProviderUnknownOutcomeError on a 5xx, because SES may have accepted the message', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).rejects(serviceError('InternalFailure', 500, 'server'));
    // Act
    const failure = sender().send(marketingEmail());
    // Assess
    await expect(failure).rejects.toBeInstanceOf(ProviderUnknownOutcomeError);
    await expect(failure).rejects.toMatchObject({ mayHaveBeenSent: true, httpStatusCode: 500, requestId: 'req-1' });
  });

  it('raises ProviderUnknownOutcomeError on a timeout', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).rejects(Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' }));
    // Act
    const failure = sender().send(marketingEmail());
    // Assess
    await expect(failure).rejects.toBeInstanceOf(ProviderUnknownOutcomeError);
  });

  it.each([
    ['MessageRejected', 400],
    ['BadRequestException', 400],
    ['SendingPausedException', 400],
    ['AccountSuspendedException', 400],
    ['MailFromDomainNotVerifiedException', 400],
  ])('raises ProviderRejectedError on %s, which a retry cannot fix', async (name, status) => {
    // Prepare
    sesMock.on(SendEmailCommand).rejects(serviceError(name, status, 'client'));
    // Act
    const failure = sender().send(marketingEmail());
    // Assess
    await expect(failure).rejects.toBeInstanceOf(ProviderRejectedError);
    await expect(failure).rejects.toMatchObject({ code: name, retryable: false, mayHaveBeenSent: false });
  });

  it('treats an answer without a message id as an unknown outcome', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({});
    // Act
    const failure = sender().send(marketingEmail());
    // Assess
    await expect(failure).rejects.toBeInstanceOf(ProviderUnknownOutcomeError);
  });

  it('refuses a client whose SDK retries could send the message twice', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-127' });
    const retrying = new SesEmailSender(new SESv2Client({ region: 'us-east-1' }), config);
    // Act
    const failure = retrying.send(marketingEmail());
    // Assess
    await expect(failure).rejects.toBeInstanceOf(ChannelConfigurationError);
    expect(sesMock).not.toHaveReceivedCommand(SendEmailCommand);
  });
});
