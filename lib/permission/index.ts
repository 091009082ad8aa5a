/**
 * The permission gate: one pure function, `decideDelivery`, and the closed sets and definitions
 * its callers and checkers share.
 */
export { decideDelivery, type OutgoingMessage } from './decide-delivery';
export {
  CHANNEL_VERDICTS,
  ChannelVerdictSchema,
  ChannelEvaluationSchema,
  DeliveryDecisionSchema,
  type ChannelVerdict,
  type ChannelEvaluation,
  type DeliveryDecision,
  type SendDecision,
  type DeferDecision,
  type SkipDecision,
} from './decision';
export {
  SKIP_REASONS,
  SkipReasonSchema,
  DEFER_REASONS,
  DeferReasonSchema,
  CHANNEL_BLOCK_REASONS,
  ChannelBlockReasonSchema,
  type SkipReason,
  type DeferReason,
  type ChannelBlockReason,
} from './reasons';
export { FREQUENCY_WINDOW_MS, sendsInCapWindow, sendTimesOf, capAllows } from './frequency-cap';
export { SMS_LEGAL_HOURS } from './allowed-hours';
export { channelLadder, suppressedFromMs, type ChannelLadder } from './channel-ladder';
export { PermissionGateInputError } from './errors';
