import * as path from 'node:path';
import { Arn, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  ConfigurationSet,
  ConfigurationSetEventDestination,
  ConfigurationSetTlsPolicy,
  EmailSendingEvent,
  EventDestination,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { CfnConfigurationSet as CfnSmsConfigurationSet } from 'aws-cdk-lib/aws-smsvoice';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { formatMailbox } from '../channels/email';
import type { OvertureConfig } from '../config';
import { SMS_FAILURE_EVENT_TYPES } from '../feedback/sms-events';
import { loadTemplateCatalog } from '../templates/checked-catalog';
import { TABLE_ACCESS, type CustomerData } from './customer-data';
import { OvertureFunction, PROJECT_ROOT } from './overture-function';
import { QueueWithDeadLetters } from './secure-queues';
import { SMS_VOICE_SERVICE, smsVoiceTopic } from './sms-voice-topic';

/** SES events sent to EventBridge: what feedback needs, plus delivery for operators' metrics. */
export const SES_EVENTS_TO_EVENTBRIDGE = [
  EmailSendingEvent.SEND,
  EmailSendingEvent.DELIVERY,
  EmailSendingEvent.BOUNCE,
  EmailSendingEvent.COMPLAINT,
  EmailSendingEvent.REJECT,
  EmailSendingEvent.RENDERING_FAILURE,
  EmailSendingEvent.DELIVERY_DELAY,
  EmailSendingEvent.SUBSCRIPTION,
];

/**
 * SMS events logged for operators: the failures. Each record carries the destination number, so a
 * delivered text is not logged: that would be a list of every number texted, kept with the logs.
 */
export const SMS_LOGGED_EVENTS = ['TEXT_BLOCKED', 'TEXT_CARRIER_BLOCKED', 'TEXT_CARRIER_UNREACHABLE', 'TEXT_INVALID', 'TEXT_INVALID_MESSAGE', 'TEXT_SPAM', 'TEXT_TTL_EXPIRED', 'TEXT_UNKNOWN', 'TEXT_UNREACHABLE'];

/**
 * Most days the SMS failure events are kept (the configured log retention when shorter): each
 * record holds the number the text was sent to, which the customer table erases on request but a
 * log group cannot.
 */
export const SMS_EVENTS_RETENTION = RetentionDays.ONE_MONTH;

/** The environment variables the send function reads (lib/delivery/send-environment.ts). */
export const SEND_ENVIRONMENT = {
  fromAddress: 'FROM_EMAIL_ADDRESS',
  replyToAddress: 'REPLY_TO_ADDRESS',
  senderPostalAddress: 'SENDER_POSTAL_ADDRESS',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  smsOriginationIdentity: 'SMS_ORIGINATION_IDENTITY',
  smsConfigurationSet: 'SMS_CONFIGURATION_SET',
  smsBrand: 'SMS_BRAND',
  directMailQueueUrl: 'DIRECT_MAIL_QUEUE_URL',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  linkSecretId: 'LINK_SECRET_ID',
  templatesDir: 'TEMPLATES_DIR',
  sendRateEmail: 'SEND_RATE_EMAIL',
  sendRateSms: 'SEND_RATE_SMS',
} as const;

/** Where the message templates sit inside the send function's bundle. */
export const BUNDLED_TEMPLATES_DIR = '/var/task/templates';

/** The message templates the send function ships with, relative to the project root. */
const TEMPLATES_FOLDER = 'workflows/templates';

/** Props of {@link Delivery}. */
export interface DeliveryProps {
  readonly config: OvertureConfig;
  readonly data: CustomerData;
  readonly logRetention: RetentionDays;
  /**
   * The message templates, relative to the project root. Checked here, at synth: a template that
   * breaks the convention or prints a variable the data model cannot supply stops the deployment.
   * @default TEMPLATES_FOLDER
   */
  readonly templatesDir?: string;
}

/**
 * The send path: the SES configuration set (TLS required, reputation metrics, every event to
 * EventBridge), the End User Messaging SMS configuration set (delivery failures logged for at most
 * 30 days, and sent to the SMS feedback topic), the direct-mail queue for the print vendor with its dead-letter
 * queue, the link-signing secret, and the send function, which may send only through the
 * configured identities, configuration sets and queue.
 */
export class Delivery extends Construct {
  /** The SES configuration set every email goes through. */
  public readonly emailConfigurationSet: ConfigurationSet;
  /** The SMS configuration set every text goes through. */
  public readonly smsConfigurationSet: CfnSmsConfigurationSet;
  /** The SMS configuration set's failure events (`SMS_FAILURE_EVENT_TYPES`), for the feedback function. */
  public readonly smsFeedbackTopic: Topic;
  /** Letters for the print vendor, and their dead letters. */
  public readonly directMail: QueueWithDeadLetters;
  /** The HMAC key of unsubscribe and preference links. */
  public readonly linkSecret: ISecret;
  /** The send function (lead's handler: `functions/send/index.ts`). */
  public readonly sendFunction: OvertureFunction;
  /** ARN of the SES identity the send function sends through. */
  public readonly emailIdentityArn: string;
  /** ARN of the SMS origination identity the send function sends from. */
  public readonly smsOriginationArn: string;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);

    this.emailConfigurationSet = new ConfigurationSet(this, 'EmailConfigurationSet', {
      configurationSetName: config.sesConfigurationSetName,
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    new ConfigurationSetEventDestination(this, 'EmailEventsToEventBridge', {
      configurationSet: this.emailConfigurationSet,
      // SES publishes to the account's default bus only.
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: SES_EVENTS_TO_EVENTBRIDGE,
    });

    // The records hold phone numbers: kept no longer than an operator needs to look into a failure.
    const smsEvents = new LogGroup(this, 'SmsEvents', {
      retention: Math.min(props.logRetention, SMS_EVENTS_RETENTION) as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Built from the name: the role and the topic are created before the configuration set.
    const smsConfigurationSetSourceArn = stack.formatArn({
      service: 'sms-voice',
      resource: 'configuration-set',
      resourceName: config.smsConfigurationSetName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    // Only this account's configuration set may act as the role (confused deputy), and the role
    // may do what End User Messaging's CloudWatch Logs destination documents: create a stream,
    // describe the streams, put events.
    const smsEventsRole = new Role(this, 'SmsEventsRole', {
      assumedBy: new ServicePrincipal(SMS_VOICE_SERVICE).withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': smsConfigurationSetSourceArn },
      }),
      description: 'Lets End User Messaging SMS log the events of the Overture configuration set',
    });
    smsEvents.grant(smsEventsRole, 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents');
    this.smsFeedbackTopic = this.smsFeedbackTopicFor(smsConfigurationSetSourceArn);
    this.smsConfigurationSet = new CfnSmsConfigurationSet(this, 'SmsConfigurationSet', {
      configurationSetName: config.smsConfigurationSetName,
      eventDestinations: [
        {
          eventDestinationName: 'delivery-events',
          enabled: true,
          matchingEventTypes: SMS_LOGGED_EVENTS,
          cloudWatchLogsDestination: { iamRoleArn: smsEventsRole.roleArn, logGroupArn: smsEvents.logGroupArn },
        },
        {
          eventDestinationName: 'feedback',
          enabled: true,
          matchingEventTypes: [...SMS_FAILURE_EVENT_TYPES],
          snsDestination: { topicArn: this.smsFeedbackTopic.topicArn },
        },
      ],
    });
    // The service may check that it can publish, and write, when a destination is created:
    // policies first (the role's own policy too, which the role's ARN alone does not wait for).
    this.smsConfigurationSet.node.addDependency(this.smsFeedbackTopic, smsEventsRole);

    // The vendor reads at least once a working day; letters older than two days mean it stopped.
    this.directMail = new QueueWithDeadLetters(this, 'DirectMail', { purpose: 'direct mail for the print vendor', staleAfter: Duration.days(2) });

    this.linkSecret = config.manageUnsubscribeSecret
      ? new Secret(this, 'LinkSecret', {
          secretName: config.unsubscribeSecretName,
          description: 'HMAC key of Overture unsubscribe and preference links',
          generateSecretString: { passwordLength: 64, excludePunctuation: true },
          removalPolicy: config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        })
      : Secret.fromSecretNameV2(this, 'LinkSecret', config.unsubscribeSecretName);

    this.emailIdentityArn = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: config.sendingIdentity });
    this.smsOriginationArn = smsOriginationArn(stack, config.smsOriginationIdentity);

    // The send function reads its templates unchecked (readTemplateCatalog), so a broken one
    // must stop synth here rather than a customer's message there.
    const templatesDir = props.templatesDir ?? TEMPLATES_FOLDER;
    loadTemplateCatalog(path.join(PROJECT_ROOT, templatesDir));

    this.sendFunction = new OvertureFunction(this, 'SendFunction', {
      entry: 'functions/send/index.ts',
      serviceName: 'send',
      description: 'One Send step of a journey: permission gate, send ledger, then SES, SMS or the direct-mail queue',
      logRetention: props.logRetention,
      timeout: Duration.seconds(30),
      bundledFolders: [{ from: templatesDir, to: 'templates' }],
      environment: {
        [SEND_ENVIRONMENT.fromAddress]: formatMailbox(config.fromAddress, config.fromName),
        ...(config.replyTo === undefined ? {} : { [SEND_ENVIRONMENT.replyToAddress]: config.replyTo }),
        [SEND_ENVIRONMENT.senderPostalAddress]: config.senderPostalAddress,
        [SEND_ENVIRONMENT.sesConfigurationSet]: this.emailConfigurationSet.configurationSetName,
        [SEND_ENVIRONMENT.smsOriginationIdentity]: config.smsOriginationIdentity,
        [SEND_ENVIRONMENT.smsConfigurationSet]: config.smsConfigurationSetName,
        [SEND_ENVIRONMENT.smsBrand]: config.smsBrand,
        [SEND_ENVIRONMENT.publicBaseUrl]: config.publicBaseUrl,
        [SEND_ENVIRONMENT.linkSecretId]: config.unsubscribeSecretName,
        [SEND_ENVIRONMENT.templatesDir]: BUNDLED_TEMPLATES_DIR,
        // Sends on these channels take a slot of the provider's rate first (lib/store/send-slots.ts).
        [SEND_ENVIRONMENT.sendRateEmail]: String(config.sendRateEmail),
        [SEND_ENVIRONMENT.sendRateSms]: String(config.sendRateSms),
      },
    });
    this.sendFunction.bindCustomerTable(props.data, TABLE_ACCESS.send);
    this.sendFunction.bindQueueForSending(this.directMail.queue, SEND_ENVIRONMENT.directMailQueueUrl);
    this.linkSecret.grantRead(this.sendFunction);
    this.sendFunction.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ses:SendEmail'],
        resources: [this.emailIdentityArn, this.configurationSetArn()],
        // ses:FromAddress is the bare address, whatever display name the From header carries.
        conditions: { StringEquals: { 'ses:FromAddress': config.fromAddress } },
      }),
    );
    this.sendFunction.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['sms-voice:SendTextMessage'],
        resources: [this.smsOriginationArn, this.smsConfigurationSetArn()],
      }),
    );
  }

  /**
   * The encrypted topic the SMS configuration set publishes failure events to. Only End User
   * Messaging may publish, and only for this account's configuration set (the ARN is built from
   * the name, so the topic policy does not depend on the configuration set that refers to the
   * topic); it may use the topic's key only for this account's End User Messaging resources.
   */
  private smsFeedbackTopicFor(configurationSetArn: string): Topic {
    return smsVoiceTopic(this, {
      keyId: 'SmsFeedbackKey',
      keyDescription: 'Encrypts SMS delivery failure events on the Overture SMS feedback topic',
      topicId: 'SmsFeedback',
      displayName: 'Overture SMS delivery failures',
      publisherArn: configurationSetArn,
    });
  }

  /** ARN of the SES configuration set. */
  public configurationSetArn(): string {
    return Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.emailConfigurationSet.configurationSetName,
    });
  }

  /** ARN of the SMS configuration set. */
  public smsConfigurationSetArn(): string {
    return this.smsConfigurationSet.attrArn;
  }
}

/**
 * The ARN IAM knows the origination identity by: the ARN itself, or one built from a phone
 * number id (`phone-…`) or pool id (`pool-…`) in this stack's account and region.
 */
export function smsOriginationArn(stack: Stack, identity: string): string {
  if (identity.startsWith('arn:')) return identity;
  const resource = identity.startsWith('pool-') ? 'pool' : 'phone-number';
  return Arn.format({ service: 'sms-voice', resource, resourceName: identity, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
}
