/**
 * What the SMS-consent tests drive beside the consent API, on the same emulators: the inbound-text
 * code (replies and the opt-out list in the harness's SMS outbox), ingest (starting no journeys:
 * only what it records matters; Step Functions is the local one, over the SDK wire) and the send
 * path (email through the SES emulator, texts through the outbox, no letters).
 *
 * Importing this module starts that local Step Functions for the test file (beforeAll) and stops
 * it (afterAll): the harness, which the files start in their own beforeAll, knows nothing of it.
 */
import { SesEmailSender, type DirectMailSender } from '../../lib/channels';
import type { Channel } from '../../lib/customer/model';
import type { DeliveryPorts } from '../../lib/delivery/deliver-message';
import type { SendStepPayload } from '../../lib/journeys/send-contract';
import type { IngestPorts } from '../../lib/ingest/ingest-event';
import type { InboundSmsDependencies } from '../../lib/sms-keywords/handle-inbound-sms';
import { loadTemplateCatalog } from '../../lib/templates';
import { startLocalStepFunctions, type LocalStepFunctionsHarness } from '../support/step-functions';
import type { ConsentApiHarness } from './harness';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

let stepFunctions: LocalStepFunctionsHarness | undefined;
/** The emulator's clock: the harness's, once {@link smsConsentPorts} is given one. */
let emulatorNow: () => Date = () => new Date();

beforeAll(async () => {
  stepFunctions = await startLocalStepFunctions({ now: () => emulatorNow() });
});
afterAll(async () => {
  await stepFunctions?.stop();
});

/** The ports of inbound texts, ingest and the send path over the harness's emulators and clock. */
export interface SmsConsentPorts {
  readonly inbound: InboundSmsDependencies;
  readonly ingest: IngestPorts;
  readonly delivery: DeliveryPorts;
}

/** See the module comment. */
export function smsConsentPorts(api: ConsentApiHarness): SmsConsentPorts {
  if (stepFunctions === undefined) throw new Error('smsConsentPorts is called in or after beforeAll, once the local Step Functions started');
  emulatorNow = () => api.clock.now();
  const noLetters: DirectMailSender = { send: () => Promise.reject(new Error('no letter expected')) };
  return {
    inbound: { store: api.store, phoneIndex: api.deps.phoneIndex, replies: api.smsOutbox, helpText: 'help', providerOptOuts: api.smsOutbox },
    ingest: { store: api.store, dynamodb: api.dynamo.client, sfn: stepFunctions.client, tableName: api.tableName, routes: [], now: () => api.clock.now() },
    delivery: {
      store: api.store,
      templates: loadTemplateCatalog('workflows/templates'),
      links: { baseUrl: 'https://preferences.example.com', secret: 'sms-consent-number-link-signing-secret-0123' },
      senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
      senders: {
        email: new SesEmailSender(api.ses.client, { fromEmailAddress: 'journeys@example.com', configurationSetName: 'overture-test' }),
        sms: api.smsOutbox,
        mail: noLetters,
      },
      now: () => api.clock.now(),
    },
  };
}

/** The welcome journey's marketing send step for the customer, as execution `n` of it runs it, on `channels`. */
export function welcomeSendStep(customerId: string, n: number, channels: Channel[] = ['sms']): SendStepPayload {
  return {
    customerId,
    journey: 'welcome',
    step: 'welcome-sms',
    execution: `welcome-${customerId}-send-${n}`,
    templateId: 'welcome',
    topic: 'marketing',
    channels,
  };
}
