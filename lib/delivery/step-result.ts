/**
 * What the journey state machine gets back from a Send step: the outcome without provider ids
 * (they stay in the send ledger), so execution history holds codes and ids only.
 */
import type { SendStepResult } from '../journeys/send-contract';
import type { DeliveryOutcome } from './deliver-message';

/** Maps a delivery outcome to the Task's result. */
export function toStepResult(outcome: DeliveryOutcome): SendStepResult {
  switch (outcome.outcome) {
    case 'sent':
      return { outcome: 'sent', channel: outcome.channel };
    case 'deferred':
      return { outcome: 'deferred', channel: outcome.channel, until: outcome.until, reason: outcome.reason };
    case 'skipped':
      return { outcome: 'skipped', reason: outcome.reason };
    case 'unknown':
      return { outcome: 'unknown', channel: outcome.channel };
    case 'failed':
      return { outcome: 'failed', channel: outcome.channel, reason: outcome.reason };
  }
}
