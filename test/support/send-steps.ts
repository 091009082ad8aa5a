/**
 * What the send-path tests build and count the same way: a welcome Send step's payload, and the
 * emails the SES emulator holds for a customer.
 */
import type { Channel } from '../../lib/customer/model';
import type { SendStepPayload } from '../../lib/journeys/send-contract';
import type { CustomerStore } from '../../lib/store';
import type { SesLocal } from './ses-local';

/** The payload of the welcome journey's `welcome-email` step for `customerId`, by `channels`. */
export function welcomeStep(customerId: string, channels: Channel[] = ['email'], overrides: Partial<SendStepPayload> = {}): SendStepPayload {
  return {
    customerId,
    journey: 'welcome',
    step: 'welcome-email',
    execution: `welcome-${customerId}-signed_up-1`,
    templateId: 'welcome',
    topic: 'marketing',
    channels,
    ...overrides,
  };
}

/** How many emails the SES emulator accepted for the customer's address. */
export async function emailsTo(store: CustomerStore, ses: SesLocal, customerId: string): Promise<number> {
  const { email } = (await store.requireSnapshot(customerId)).profile;
  return (await ses.messages()).filter((stored) => stored.destination.to.includes(email ?? '')).length;
}
