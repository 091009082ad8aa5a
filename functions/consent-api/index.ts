/**
 * The consent-api function behind the HTTP API (payload 2.0): consent capture, double opt-in,
 * one-click unsubscribe, the preference centre and the consent export. Wiring only; the routes
 * are `createConsentApiHandler` (lib/consent-api).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { PROVIDER_CLIENT_CONFIG } from '../../lib/channels/port';
import {
  ConfirmationBudgetExceededError,
  ConsentApiEnvironmentSchema,
  consentApiDependencies,
  createConsentApiHandler,
  rateLimitOf,
  type ApiGatewayV2Handler,
} from '../../lib/consent-api';
import { readEnvironment } from '../../lib/runtime/environment';
import { builtFromLinkKeys } from '../../lib/runtime/link-secret';
import { observability, observedHandler } from '../../lib/runtime/observability';

const tools = observability('consent-api');
const env = readEnvironment(ConsentApiEnvironmentSchema);
const clients = {
  dynamodb: new DynamoDBClient({}),
  ses: new SESv2Client({ ...PROVIDER_CLIENT_CONFIG }),
  sms: new PinpointSMSVoiceV2Client({ ...PROVIDER_CLIENT_CONFIG }),
  sfn: new SFNClient({}),
};

/**
 * The API, built for the link keys of the secret, and built again when they change (a key added by
 * a rotation verifies here within LINK_KEYS_MAX_AGE_MS; a failed first read is retried by the next
 * request). The function's logger writes any error as its `loggableError` facts (observability.ts),
 * never whole: a provider's message may quote an address.
 */
const api = builtFromLinkKeys(
  env.LINK_SECRET_ID,
  (linkKeys): ApiGatewayV2Handler =>
    createConsentApiHandler(
      {
        ...consentApiDependencies(env, clients, linkKeys),
        eventNotRecorded: ({ customerId, event, error }) => {
          tools.metrics.addMetric('event_not_recorded', MetricUnit.Count, 1);
          tools.logger.warn(`${event} not recorded; the save stands, and a journey waiting for it times out as it would have`, { customerId, event, error });
        },
        confirmationNotSent: ({ customerId, channel, error }) => {
          // A destination's spent budget (someone asking again and again for one address or number) is counted apart from provider faults.
          const overBudget = error instanceof ConfirmationBudgetExceededError;
          tools.metrics.addMetric(`${channel === 'sms' ? 'sms_' : ''}confirmation_${overBudget ? 'over_budget' : 'not_sent'}`, MetricUnit.Count, 1);
          tools.logger.warn(`confirmation ${channel === 'sms' ? 'text' : 'email'} not sent${overBudget ? ' (over its destination budget)' : ''}; the consent stays pending`, {
            customerId,
            channel,
            error,
          });
        },
      },
      {
        rateLimit: rateLimitOf(env),
        logError: (error) => tools.logger.error('consent api request failed', { error }),
      },
    ),
  { refreshFailed: (error) => tools.logger.error('link keys not read again; the keys read before stay in use', { error }) },
);

/** Routes the request through the API. */
export async function consentApi(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  return (await api())(event, context);
}

export const handler = observedHandler(tools, consentApi);
