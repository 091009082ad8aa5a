/**
 * What a profile write must find in the stored profile beyond its fields' times: that the fields a
 * send is decided and addressed on stay as they are (else the write moves the frequency version,
 * see CustomerStore.updateProfile), and, for a stage stated at the same instant as the stored one,
 * that it does not set the customer back. Every condition here is flat (no nested parentheses):
 * the local emulator's expression parser takes time exponential in their depth.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { LIFECYCLE_STAGES, PostalAddressSchema, type LifecycleStage, type Profile } from '../customer/model';
import type { Item } from './delivery-store';

/**
 * The profile fields a send is decided and addressed on: the gate reads the time zone (quiet hours,
 * the preferred window, the SMS legal hours) and whether each channel has an address, the consent
 * to texts counts for one number (the phone), and compose sends to the email, the phone or the
 * postal address. A change of one is a change of what a send in flight was decided on, as a
 * consent, suppression or preference change is. The stage is not among them: the gate does not
 * read it, and journeys set it often.
 */
export const SEND_PROFILE_FIELDS = ['timezone', 'email', 'phone', 'address'] as const;

/** The parts of a postal address: compared one by one, since the local emulator never finds two maps equal. */
const ADDRESS_PARTS = /* @__PURE__ */ Object.keys(PostalAddressSchema.shape);

/** One flat condition's parts, to be joined with AND to a write's others. */
export interface ConditionParts {
  readonly conditions: string[];
  readonly names: Record<string, string>;
  readonly values: Item;
}

/** Whether writing `fields` over the stored profile `item` would change a field a send depends on. */
export function changesSendFields(item: Item, fields: Partial<Profile>): boolean {
  const stored: Record<string, unknown> = unmarshall(item);
  return SEND_PROFILE_FIELDS.some((field) => fields[field] !== undefined && !sameValue(stored[field], fields[field]));
}

/**
 * The conditions that each send field among `fields` already holds its value there, so the write
 * changes none of them: equality for a text, part by part for an address. With `absentToo` (a
 * whole profile), a send field `fields` lacks must be absent there too.
 */
export function sendFieldsUnchanged(fields: Partial<Profile>, options: { readonly absentToo?: boolean } = {}): ConditionParts {
  const parts: ConditionParts = { conditions: [], names: {}, values: {} };
  const named = options.absentToo === true ? SEND_PROFILE_FIELDS : SEND_PROFILE_FIELDS.filter((field) => fields[field] !== undefined);
  named.forEach((field, index) => {
    const name = `#same${index}`;
    parts.names[name] = field;
    const value = fields[field];
    if (value === undefined) {
      parts.conditions.push(`attribute_not_exists(${name})`);
    } else if (typeof value === 'string') {
      parts.values[`:same${index}`] = { S: value };
      parts.conditions.push(`${name} = :same${index}`);
    } else {
      // The address's parts: the stored one may not hold one the new one lacks (a second line).
      const address: Record<string, unknown> = value;
      ADDRESS_PARTS.forEach((part, partIndex) => {
        const partName = `#same${index}_${partIndex}`;
        parts.names[partName] = part;
        const partValue = address[part];
        if (typeof partValue !== 'string') {
          parts.conditions.push(`attribute_not_exists(${name}.${partName})`);
          return;
        }
        parts.values[`:same${index}_${partIndex}`] = { S: partValue };
        parts.conditions.push(`${name}.${partName} = :same${index}_${partIndex}`);
      });
    }
  });
  return parts;
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

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortedKeys(a)) === JSON.stringify(sortedKeys(b));
}

/** `value` with an object's defined keys sorted, so that two addresses with the same parts compare equal. */
function sortedKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, part]) => part !== undefined).sort(([a], [b]) => a.localeCompare(b)));
}
