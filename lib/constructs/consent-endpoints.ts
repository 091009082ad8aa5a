import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { formatMailbox } from '../channels/email';
import type { OvertureConfig } from '../config';
import { DEFAULT_SMS_BRAND } from '../channels/sms';
import { DEFAULT_HELP_TEXT, DEFAULT_SMS_CONFIRMED_TEXT, DEFAULT_SMS_OPTED_OUT_TEXT } from '../sms-keywords/handle-inbound-sms';
import { TABLE_ACCESS, type CustomerData } from './customer-data';
import { SEND_ENVIRONMENT, type Delivery } from './delivery';
import { OvertureFunction } from './overture-function';
import { DeadLetterQueue } from './secure-queues';
import { smsVoiceTopic } from './sms-voice-topic';

/** The HTTP API's throttle: the first line against abusive rates (the function adds its own 429s). */
export const CONSENT_API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/**
 * The consent API's Lambda timeout: just under the HTTP API's 30-second integration limit. A
 * capture may text and email a confirmation, each provider call allowed its connect and request
 * timeouts (PROVIDER_CLIENT_CONFIG), after the table and secret reads; cut off before those end,
 * the function could not tell the provider's "outcome unknown" apart, report it, nor give back the
 * confirmation budget's slot, and the form would get a bare 5xx.
 */
export const CONSENT_API_TIMEOUT = Duration.seconds(29);

/** Props of {@link ConsentEndpoints}. */
export interface ConsentEndpointsProps {
  readonly config: OvertureConfig;
  readonly data: CustomerData;
  readonly delivery: Delivery;
  readonly logRetention: RetentionDays;
}

/**
 * Permission as the customer sees it: the consent HTTP API (capture, double opt-in, one-click
 * unsubscribe, preference centre, export) behind API Gateway, and inbound texts (STOP, START,
 * HELP, and YES confirming an SMS double opt-in) from End User Messaging two-way SMS through an
 * SNS topic. The topic's ARN must be set as
 * the two-way channel of the origination number (the number exists outside this stack).
 */
export class ConsentEndpoints extends Construct {
  /** Handles every consent API route (lib/consent-api). */
  public readonly apiFunction: OvertureFunction;
  /** The HTTP API; `publicBaseUrl` should map to it through a custom domain. */
  public readonly api: HttpApi;
  /** Its stage, throttled and access-logged without paths or addresses. */
  public readonly stage: HttpStage;
  /** Where End User Messaging publishes inbound texts. */
  public readonly inboundSmsTopic: Topic;
  /** Applies SMS keywords. */
  public readonly inboundSmsFunction: OvertureFunction;
  /** Inbound texts that could not be applied. */
  public readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: ConsentEndpointsProps) {
    super(scope, id);
    const { config, delivery } = props;

    this.apiFunction = new OvertureFunction(this, 'ConsentApiFunction', {
      entry: 'functions/consent-api/index.ts',
      serviceName: 'consent-api',
      description: 'Consent capture, email and SMS double opt-in, one-click unsubscribe, preference centre and consent export',
      logRetention: props.logRetention,
      timeout: CONSENT_API_TIMEOUT,
      environment: {
        [SEND_ENVIRONMENT.publicBaseUrl]: config.publicBaseUrl,
        [SEND_ENVIRONMENT.linkSecretId]: config.unsubscribeSecretName,
        [SEND_ENVIRONMENT.fromAddress]: formatMailbox(config.fromAddress, config.fromName),
        [SEND_ENVIRONMENT.sesConfigurationSet]: delivery.emailConfigurationSet.configurationSetName,
        [SEND_ENVIRONMENT.smsOriginationIdentity]: config.smsOriginationIdentity,
        [SEND_ENVIRONMENT.smsConfigurationSet]: config.smsConfigurationSetName,
      },
    });
    this.apiFunction.bindCustomerTable(props.data, TABLE_ACCESS.consentApi);
    delivery.linkSecret.grantRead(this.apiFunction);
    // The double opt-in confirmation: the same identity, configuration set and From address as journeys.
    this.apiFunction.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ses:SendEmail'],
        resources: [delivery.emailIdentityArn, delivery.configurationSetArn()],
        conditions: { StringEquals: { 'ses:FromAddress': config.fromAddress } },
      }),
    );
    // The SMS double opt-in text: the same number and configuration set as journeys, so a YES
    // comes back to the number the inbound function listens on.
    this.apiFunction.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['sms-voice:SendTextMessage'],
        resources: [delivery.smsOriginationArn, delivery.smsConfigurationSetArn()],
      }),
    );

    this.api = new HttpApi(this, 'Api', {
      apiName: `overture-${config.environment}-consent`,
      description: 'Overture consent API and preference centre',
      defaultIntegration: new HttpLambdaIntegration('ConsentApi', this.apiFunction),
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: CONSENT_API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // No path, query, source IP or user agent: links carry tokens, and addresses are personal data.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            httpMethod: '$context.httpMethod',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
          }),
        ),
      },
    });

    // Only this account's numbers may publish: the keyword function acts on what arrives (STOP,
    // START, YES), so another account's texts must not reach it as if sent to our number.
    this.inboundSmsTopic = smsVoiceTopic(this, {
      keyId: 'InboundSmsKey',
      keyDescription: 'Encrypts inbound texts on the Overture inbound SMS topic',
      topicId: 'InboundSms',
      displayName: 'Overture inbound SMS',
    });

    this.deadLetters = new DeadLetterQueue(this, 'InboundSmsDeadLetters', { purpose: 'inbound texts that could not be applied' });
    this.inboundSmsFunction = new OvertureFunction(this, 'InboundSmsFunction', {
      entry: 'functions/sms-inbound/index.ts',
      serviceName: 'sms-inbound',
      description: 'SMS keywords: STOP and its synonyms revoke SMS, START grants it again, YES confirms a pending request, HELP answers',
      logRetention: props.logRetention,
      // The default 30 s: an answer's provider call may take its whole connect and request timeout.
      deadLetterQueue: this.deadLetters.queue,
      environment: {
        [SEND_ENVIRONMENT.smsOriginationIdentity]: config.smsOriginationIdentity,
        [SEND_ENVIRONMENT.smsConfigurationSet]: config.smsConfigurationSetName,
        ...keywordAnswersOf(config.smsBrand),
      },
    });
    this.inboundSmsFunction.bindCustomerTable(props.data, TABLE_ACCESS.readWrite);
    // HELP is answered from the same number, through the same configuration set.
    this.inboundSmsFunction.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['sms-voice:SendTextMessage'],
        resources: [delivery.smsOriginationArn, delivery.smsConfigurationSetArn()],
      }),
    );
    this.inboundSmsTopic.addSubscription(new LambdaSubscription(this.inboundSmsFunction, { deadLetterQueue: this.deadLetters.queue }));
  }
}

/**
 * The HELP, YES and opt-out answers naming `brand`, as the marketing texts do: the defaults name
 * the program DEFAULT_SMS_BRAND, so for that brand the function's own defaults serve.
 */
function keywordAnswersOf(brand: string): Record<string, string> {
  if (brand === DEFAULT_SMS_BRAND) return {};
  const named = (text: string) => text.replace(DEFAULT_SMS_BRAND, brand);
  return { SMS_HELP_TEXT: named(DEFAULT_HELP_TEXT), SMS_CONFIRMED_TEXT: named(DEFAULT_SMS_CONFIRMED_TEXT), SMS_OPTED_OUT_TEXT: named(DEFAULT_SMS_OPTED_OUT_TEXT) };
}
