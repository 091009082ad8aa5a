/**
 * The send path on the real DynamoDB and SES emulators with only the SMS client mocked (no SMS
 * emulator exists): what the opted-out refusal tests share.
 */
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { EndUserMessagingSmsSender, PROVIDER_CLIENT_CONFIG, SesEmailSender, type DirectMailSender } from '../../lib/channels';
import type { DeliveryPorts } from '../../lib/delivery/deliver-message';
import { CustomerStore } from '../../lib/store';
import { loadTemplateCatalog } from '../../lib/templates';
import { createCustomerTable, startDynalite } from '../support/dynalite';
import { startSesLocal, type SesLocal } from '../support/ses-local';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

/** 12:00 in New York: SMS and email are both open. */
export const NOON = new Date('2026-03-02T17:00:00Z');
/** When the test customers gave their consents (the day before). */
export const GRANTED_AT = '2026-03-01T12:00:00Z';

/** A running harness; `stop` closes the emulators and restores the SMS client. */
export interface MockedSmsDelivery {
  readonly store: CustomerStore;
  readonly ses: SesLocal;
  readonly ports: DeliveryPorts;
  readonly smsMock: AwsClientStub<PinpointSMSVoiceV2Client>;
  stop(): Promise<void>;
}

/** Starts dynalite and aws-ses-v2-local, a customer table named after `label`, and the ports of the send path. */
export async function startMockedSmsDelivery(label: string): Promise<MockedSmsDelivery> {
  const smsClient = new PinpointSMSVoiceV2Client({
    ...PROVIDER_CLIENT_CONFIG,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const smsMock = mockClient(smsClient);
  // The steps of these tests allow email and SMS only; a letter would be a bug.
  const noLetters: DirectMailSender = { send: () => Promise.reject(new Error('no letter expected')) };
  const [dynamo, ses] = await Promise.all([startDynalite(), startSesLocal()]);
  const store = new CustomerStore({ client: dynamo.client, tableName: await createCustomerTable(dynamo.client, label) });
  const ports: DeliveryPorts = {
    store,
    templates: loadTemplateCatalog('workflows/templates'),
    links: { baseUrl: 'https://preferences.example.com', secret: `${label}-test-link-signing-secret-0123456789` },
    senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
    senders: {
      email: new SesEmailSender(ses.client, { fromEmailAddress: 'journeys@example.com', configurationSetName: 'overture-test' }),
      sms: new EndUserMessagingSmsSender(smsClient, { originationIdentity: 'pool-test', configurationSetName: 'overture-test' }),
      mail: noLetters,
    },
    now: () => NOON,
  };
  return {
    store,
    ses,
    ports,
    smsMock,
    stop: async () => {
      smsMock.restore();
      await Promise.all([dynamo.stop(), ses.stop()]);
    },
  };
}
