/**
 * What the journey state machine gets back from a Send step: the outcome without provider ids
 * (they stay in the send ledger), so execution history holds codes and ids only.
 */
import type { SendStepResult } from '../journeys/send-contract';
import type { DeliveryOutcome } from './deliver-message';

/**
 * The instant a Wait until `until` may end at: `until` moved up to the next whole second when it
 * has milliseconds. Step Functions reads a Wait's timestamp to the second and truncates the
 * milliseconds, so a step woken before the instant its gate named would be deferred again, as
 * often as it wakes within that second: Lambda calls and decision records for nothing.
 */
function waitableInstant(until: string): string {
  return new Date(Math.ceil(Date.parse(until) / 1000) * 1000).toISOString();
}

/** Maps a delivery outcome to the Task's result; a deferral waits until a whole second (see waitableInstant). */
export function toStepResult(outcome: DeliveryOutcome): SendStepResult {
  switch (outcome.outcome) {
    case 'sent':
      return { outcome: 'sent', channel: outcome.channel };
    case 'deferred':
      return { outcome: 'deferred', channel: outcome.channel, until: waitableInstant(outcome.until), reason: outcome.reason };
    case 'skipped':
      return { outcome: 'skipped', reason: outcome.reason };
    case 'unknown':
      return { outcome: 'unknown', channel: outcome.channel };
    case 'failed':
      return { outcome: 'failed', channel: outcome.channel, reason: outcome.reason };
  }
}
