/**
 * What the scenario says about one customer at any instant: contact points, time zone and
 * preferences after the `profile` events so far, consent per (channel, topic), suppressions.
 * Read from the scenario file alone — the report checker's picture of the customer.
 */
import type { Channel, PostalAddress, Preferences } from '../customer/model';
import type { ProfileChanges, Scenario, ScenarioCustomer } from './scenario';

/** The customer's profile at an instant. */
export interface ProfileAt {
  readonly timezone: string;
  readonly email: string | undefined;
  readonly phone: string | undefined;
  readonly address: PostalAddress | undefined;
  readonly preferences: Preferences;
}

/**
 * The consent for one (channel, topic) at an instant: `granted`, `not_granted` (revoked, or no
 * record yet), or `ambiguous` when the latest records share the same `at` and disagree — the
 * contract orders consents by `at` only, so either reading is allowed.
 */
export type ConsentAt = 'granted' | 'not_granted' | 'ambiguous';

interface TimedRecord<T> {
  readonly atMs: number;
  readonly value: T;
}

/** One customer's records, ordered by time, ready to be asked about any instant. */
export class CustomerTimeline {
  readonly id: string;
  private readonly initial: ProfileAt;
  private readonly profileChanges: readonly TimedRecord<ProfileChanges>[];
  private readonly consents: ReadonlyMap<string, readonly TimedRecord<boolean>[]>;
  private readonly suppressions: ReadonlyMap<Channel, readonly TimedRecord<string>[]>;

  constructor(customer: ScenarioCustomer, events: Scenario['events']) {
    this.id = customer.id;
    this.initial = {
      timezone: customer.timezone,
      email: customer.email,
      phone: customer.phone,
      address: customer.address,
      preferences: customer.preferences ?? {},
    };

    const profileChanges: TimedRecord<ProfileChanges>[] = [];
    const consents = new Map<string, TimedRecord<boolean>[]>();
    const suppressions = new Map<Channel, TimedRecord<string>[]>();
    const addConsent = (channel: Channel, topic: string, at: string, granted: boolean): void => {
      const key = consentKey(channel, topic);
      const list = consents.get(key) ?? [];
      list.push({ atMs: Date.parse(at), value: granted });
      consents.set(key, list);
    };
    const addSuppression = (channel: Channel, at: string, why: string): void => {
      const list = suppressions.get(channel) ?? [];
      list.push({ atMs: Date.parse(at), value: why });
      suppressions.set(channel, list);
    };

    for (const consent of customer.consents) addConsent(consent.channel, consent.topic, consent.at, consent.status === 'granted');
    for (const suppression of customer.suppressions ?? []) addSuppression(suppression.channel, suppression.at, `suppression "${suppression.reason}"`);
    for (const event of events) {
      if (event.customerId !== customer.id) continue;
      switch (event.type) {
        case 'consent':
          addConsent(event.channel, event.topic, event.at, event.status === 'granted');
          break;
        case 'bounce':
          // A soft bounce is a temporary failure: it suppresses nothing.
          if (event.kind === 'hard') addSuppression(event.channel, event.at, 'hard bounce');
          break;
        case 'complaint':
          addSuppression(event.channel, event.at, 'complaint');
          break;
        case 'profile':
          profileChanges.push({ atMs: Date.parse(event.at), value: event.changes });
          break;
        case 'event':
          break;
      }
    }
    // Stable sorts: records with the same `at` keep the file's order.
    profileChanges.sort((a, b) => a.atMs - b.atMs);
    for (const list of consents.values()) list.sort((a, b) => a.atMs - b.atMs);
    for (const list of suppressions.values()) list.sort((a, b) => a.atMs - b.atMs);
    this.profileChanges = profileChanges;
    this.consents = consents;
    this.suppressions = suppressions;
  }

  /** The profile after every `profile` event dated at or before `atMs`, applied in time order. */
  profileAt(atMs: number): ProfileAt {
    let profile = this.initial;
    for (const change of this.profileChanges) {
      if (change.atMs > atMs) break;
      profile = applyChanges(profile, change.value);
    }
    return profile;
  }

  /** The consent for (channel, topic) from the latest records dated at or before `atMs`. */
  consentAt(channel: Channel, topic: string, atMs: number): ConsentAt {
    const records = (this.consents.get(consentKey(channel, topic)) ?? []).filter((record) => record.atMs <= atMs);
    const last = records[records.length - 1];
    if (last === undefined) return 'not_granted';
    const latest = records.filter((record) => record.atMs === last.atMs);
    if (latest.every((record) => record.value)) return 'granted';
    if (latest.every((record) => !record.value)) return 'not_granted';
    return 'ambiguous';
  }

  /** What suppresses `channel` at `atMs` (the earliest such record), or `undefined`. */
  suppressionAt(channel: Channel, atMs: number): { readonly atMs: number; readonly why: string } | undefined {
    const first = this.suppressions.get(channel)?.[0];
    return first !== undefined && first.atMs <= atMs ? { atMs: first.atMs, why: first.value } : undefined;
  }
}

function consentKey(channel: Channel, topic: string): string {
  return `${channel}/${topic}`;
}

function applyChanges(profile: ProfileAt, changes: ProfileChanges): ProfileAt {
  return {
    timezone: changes.timezone ?? profile.timezone,
    email: changes.email === undefined ? profile.email : (changes.email ?? undefined),
    phone: changes.phone === undefined ? profile.phone : (changes.phone ?? undefined),
    address: changes.address === undefined ? profile.address : (changes.address ?? undefined),
    preferences: changes.preferences ?? profile.preferences,
  };
}

/** A timeline per customer of the scenario, by id. */
export function customerTimelines(scenario: Scenario): Map<string, CustomerTimeline> {
  return new Map(scenario.customers.map((customer) => [customer.id, new CustomerTimeline(customer, scenario.events)]));
}
