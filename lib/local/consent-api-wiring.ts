/**
 * The consent API's dependencies on the local runtime: the runtime's store and emulators, the SES
 * emulator for confirmation emails, the SMS outbox for confirmation texts (the send path's too, as
 * in AWS one number sends both), the runtime's link keys and virtual clock, and the preference
 * centre's saves recorded as customer events (preferences_updated) that resume waiting journeys.
 */
import { SesEmailSender } from '../channels/email';
import type { ConsentApiDependencies } from '../consent-api/dependencies';
import { observedEventRecorder } from '../ingest/observed-event';
import type { LocalRuntime } from './runtime';

/** The consent API's dependencies on `runtime`, as `overture serve` and `npm start` serve it. */
export function localConsentApiDependencies(runtime: LocalRuntime): ConsentApiDependencies {
  return {
    store: runtime.store,
    phoneIndex: { client: runtime.clients.dynamodb, tableName: runtime.tableName },
    email: new SesEmailSender(runtime.clients.ses, { fromEmailAddress: 'journeys@example.com', configurationSetName: 'overture-local' }),
    sms: runtime.smsOutbox,
    links: runtime.links,
    now: () => runtime.now(),
    recordEvent: observedEventRecorder(runtime.ingestPorts()),
  };
}
