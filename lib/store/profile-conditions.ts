/**
 * What a profile write of a stage must find in the stored profile beyond the stage's time: stated
 * at the same instant as the stored stage, that it does not set the customer back. The condition
 * is flat (no nested parentheses): the local emulator's expression parser takes time exponential
 * in their depth.
 */
import { LIFECYCLE_STAGES, type LifecycleStage } from '../customer/model';
import type { Item } from './delivery-store';

/** One flat condition's parts, to be joined with AND to a write's others. */
export interface ConditionParts {
  readonly conditions: string[];
  readonly names: Record<string, string>;
  readonly values: Item;
}

/**
 * Each lifecycle stage's precedence when two are stated at the same instant: the higher stands,
 * whichever arrives last. A customer moves forward (prospect → new customer → active → loyal) with
 * orders and tiers, and two journeys may answer one event with different stages (welcome's goal
 * says `active`, prospect-nurture's `new_customer`, both at the first order's instant): the
 * customer must not be set back by the one that runs later. `lapsed` stands over `prospect` (a
 * lapsed customer has bought before) and under every buying stage: it says that no order came for
 * a while, and a stage stated at the same instant because of an order says one did.
 */
const STAGE_PRECEDENCE: Readonly<Record<LifecycleStage, number>> = { prospect: 0, lapsed: 1, new_customer: 2, active: 3, loyal: 4 };

/** The stages that `stage`, stated at the same instant as they were, replaces: itself and those it stands over. */
export function stagesYieldingTo(stage: LifecycleStage): LifecycleStage[] {
  return LIFECYCLE_STAGES.filter((other) => STAGE_PRECEDENCE[other] <= STAGE_PRECEDENCE[stage]);
}

/**
 * The condition that a stage written at `:key` (an expression value already named) does not set
 * the customer back: the stored stage was stated earlier, or has no time of its own, or stands
 * under `stage`. `at` names the stage's time attribute. Joined with noLaterThan on the same time,
 * it lets through exactly the writes later than the stored stage and those at the same instant of
 * a stage at least as far on.
 */
export function stageNotSetBack(at: string, stage: LifecycleStage): ConditionParts {
  const yielding = stagesYieldingTo(stage);
  const values: Item = Object.fromEntries(yielding.map((other, index) => [`:yields${index}`, { S: other }]));
  return {
    conditions: [`(attribute_not_exists(${at}) OR ${at} < :key OR #storedStage IN (${Object.keys(values).join(', ')}))`],
    names: { '#storedStage': 'stage' },
    values,
  };
}

/** Whether `stage`, stated at the same instant as `stored`, replaces it (see stagesYieldingTo). */
export function stageReplaces(stage: LifecycleStage, stored: LifecycleStage): boolean {
  return STAGE_PRECEDENCE[stored] <= STAGE_PRECEDENCE[stage];
}
