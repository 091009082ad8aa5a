/**
 * The From address against the SES sending identity, and the From display name: a From the
 * identity does not cover fails synth (the send role may send through that identity only, so
 * every email would fail), `overture:fromName` puts a display name in the From header while
 * IAM's `ses:FromAddress` condition keeps to the bare address, and `overture:replyTo` sets Reply-To.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { simpleParser } from 'mailparser';
import { buildSendEmailInput, formatMailbox, type EmailMessage } from '../../lib/channels/email';
import { CONTEXT_KEYS, InvalidConfigError, readConfig } from '../../lib/config';
import { CustomerData } from '../../lib/constructs/customer-data';
import { Delivery } from '../../lib/constructs/delivery';
import { emailSenderConfig, type SendEnvironment } from '../../lib/delivery/send-environment';
import { TEST_CONTEXT } from './synthesize';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

const anEmail: EmailMessage = {
  to: 'ann@example.org',
  customerId: 'c-001',
  journey: 'welcome',
  step: 'welcome-email',
  topic: 'transactional',
  content: { subject: 'Hello', html: '<p>Hello</p>', text: 'Hello' },
};

function configWith(context: Record<string, unknown>): ReturnType<typeof readConfig> {
  return readConfig((key) => ({ [CONTEXT_KEYS.senderPostalAddress]: TEST_SENDER_POSTAL_ADDRESS, ...context })[key]);
}

/** The display name and address a mail reader takes from `From: <header>`. */
async function readFrom(header: string): Promise<{ name: string; address: string | undefined }> {
  const parsed = await simpleParser(`From: ${header}\r\nSubject: x\r\n\r\nx\r\n`);
  const mailbox = parsed.from?.value[0];
  return { name: mailbox?.name ?? '', address: mailbox?.address };
}

describe('the From address and the SES sending identity', () => {
  it('refuses a From address outside the verified sending identity, naming both context keys', () => {
    // The README's example verifies mail.example.com; a From on the parent domain is not covered by it.
    const synth = () => configWith({ [CONTEXT_KEYS.fromAddress]: 'hello@example.com', [CONTEXT_KEYS.sendingIdentity]: 'mail.example.com' });
    expect(synth).toThrow(InvalidConfigError);
    expect(synth).toThrow(/context "overture:fromAddress": "hello@example.com" is not covered by the SES sending identity "mail.example.com" \(context "overture:sendingIdentity"\)/);
  });

  it.each([
    ['news@example.com', 'example.com'],
    ['news@mail.example.com', 'example.com'],
    ['news@MAIL.Example.com', 'mail.example.com'],
    ['news@example.com', 'news@example.com'],
  ])('accepts %s on the identity %s (a domain identity covers its subdomains, an address identity itself)', (fromAddress, sendingIdentity) => {
    expect(configWith({ [CONTEXT_KEYS.fromAddress]: fromAddress, [CONTEXT_KEYS.sendingIdentity]: sendingIdentity }).fromAddress).toBe(fromAddress);
  });

  it.each([
    ['news@example.com', 'other@example.com'],
    ['news@example.com.evil.test', 'example.com'],
    ['news@notexample.com', 'example.com'],
  ])('refuses %s on the identity %s', (fromAddress, sendingIdentity) => {
    expect(() => configWith({ [CONTEXT_KEYS.fromAddress]: fromAddress, [CONTEXT_KEYS.sendingIdentity]: sendingIdentity })).toThrow(
      /context "overture:fromAddress": .*"overture:sendingIdentity"/,
    );
  });
});

describe('the From display name', () => {
  it('points a `Name <address>` From address to overture:fromName', () => {
    expect(() => configWith({ [CONTEXT_KEYS.fromAddress]: 'Shop Example <news@example.com>' })).toThrow(
      /context "overture:fromAddress": must be the bare address; give the display name in "overture:fromName"/,
    );
  });

  it('takes a display name from overture:fromName, one line', () => {
    expect(configWith({ [CONTEXT_KEYS.fromName]: 'Shop Example' })).toMatchObject({ fromName: 'Shop Example', fromAddress: 'journeys@example.com' });
    expect(configWith({})).not.toHaveProperty('fromName', expect.anything());
    expect(() => configWith({ [CONTEXT_KEYS.fromName]: 'Shop\r\nBcc: x@example.com' })).toThrow(/context "overture:fromName": must be one line/);
  });

  it.each([
    ['Shop Example', 'Shop Example <news@example.com>'],
    ['Shop, "Example" Ltd.', '"Shop, \\"Example\\" Ltd." <news@example.com>'],
  ])('formats the ASCII display name %p as RFC 5322 asks', async (name, header) => {
    expect(formatMailbox('news@example.com', name)).toBe(header);
    await expect(readFrom(header)).resolves.toEqual({ name, address: 'news@example.com' });
  });

  it.each([['Café Nöel'], ['Boutique Étoile — les nouveautés de la saison, livrées chez vous 🎁']])(
    'encodes the display name %p as 7-bit RFC 2047 words a mail reader decodes',
    async (name) => {
      const header = formatMailbox('news@example.com', name);
      expect(header).toMatch(/^[\x20-\x7E]+$/);
      for (const word of header.split(' ').slice(0, -1)) expect(word.length).toBeLessThanOrEqual(75);
      await expect(readFrom(header)).resolves.toEqual({ name, address: 'news@example.com' });
    },
  );

  it('sends from the display name while IAM names the bare address', () => {
    // Prepare
    const app = new App({ context: { ...TEST_CONTEXT, [CONTEXT_KEYS.fromName]: 'Shop Example' } });
    const stack = new Stack(app, 'Sender');
    const config = readConfig((key) => app.node.tryGetContext(key));

    // Act
    new Delivery(stack, 'Delivery', { config, data: new CustomerData(stack, 'CustomerData'), logRetention: RetentionDays.ONE_WEEK });

    // Assess
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ FROM_EMAIL_ADDRESS: 'Shop Example <journeys@example.com>' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'ses:SendEmail', Condition: { StringEquals: { 'ses:FromAddress': 'journeys@example.com' } } }),
        ]),
      },
    });
  });
});

describe('the Reply-To address', () => {
  it('sends replies to overture:replyTo, any valid address, and to the From address when it is unset', () => {
    // Prepare
    const app = new App({ context: { ...TEST_CONTEXT, [CONTEXT_KEYS.replyTo]: 'help@support.example.net' } });
    const stack = new Stack(app, 'ReplyTo');
    const config = readConfig((key) => app.node.tryGetContext(key));

    // Act
    new Delivery(stack, 'Delivery', { config, data: new CustomerData(stack, 'CustomerData'), logRetention: RetentionDays.ONE_WEEK });

    // Assess
    expect(config.replyTo).toBe('help@support.example.net');
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REPLY_TO_ADDRESS: 'help@support.example.net' }) },
    });
    const env = { FROM_EMAIL_ADDRESS: 'Shop <journeys@example.com>', SES_CONFIGURATION_SET: 'overture-test' } as SendEnvironment;
    expect(buildSendEmailInput(anEmail, emailSenderConfig({ ...env, REPLY_TO_ADDRESS: 'help@support.example.net' }))).toMatchObject({
      FromEmailAddress: 'Shop <journeys@example.com>',
      ReplyToAddresses: ['help@support.example.net'],
    });
    expect(buildSendEmailInput(anEmail, emailSenderConfig(env))).not.toHaveProperty('ReplyToAddresses');
    expect(() => configWith({ [CONTEXT_KEYS.replyTo]: 'help' })).toThrow(/context "overture:replyTo"/);
  });
});
