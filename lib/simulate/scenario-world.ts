/**
 * How a scenario's customers and events enter the local runtime: customers are written to the
 * store at `start` (profile, attributes, consents with their proof, preferences, suppressions),
 * and each event does at its `at` what the real system does when it happens:
 *
 * | event        | what runs                                                                  |
 * |--------------|----------------------------------------------------------------------------|
 * | `event`      | the ingest code: `lastEvent.<name>` is set, waiting executions resume, and journeys entered by it start as `<journey>-<customer>-<name>-<n>` (`n`: the n-th such event of the customer) |
 * | `consent`    | `recordConsent`, with `source` as the proof                               |
 * | `bounce`     | a `hard` one suppresses the channel (`addSuppression`, reason `hard_bounce`); a `soft` one changes nothing |
 * | `complaint`  | suppresses the channel (reason `complaint`)                                |
 * | `profile`    | the profile fields, attributes and preferences given                       |
 *
 * Consents in a customer's list dated after `start` are recorded when the clock reaches them,
 * so at every instant the store holds the latest consent at or before it, as the rules read.
 * A `lastEvent.<name>` attribute whose value is an instant before `start` is recorded as learnt
 * at that instant (that is what the attribute means), so inactivity entries such as win-back
 * see customers who last ordered before the scenario began.
 */
import { defaultTouchpointOf, type CustomerEvent } from '../ingest/customer-event';
import { ingestCustomerEvent } from '../ingest/ingest-event';
import { AttributeValueSchema, type AttributeValue, type Profile } from '../customer/model';
import { MAX_ATTRIBUTE_CHANGES } from '../store/customer-store';
import { AttributeNameSchema } from '../store/records';
import { LAST_EVENT_ATTRIBUTE_PREFIX } from '../store/table-design';
import type { LocalRuntime } from '../local/runtime';
import type { Scenario, ScenarioCustomer, ScenarioEvent } from '../scenario';


/** Writes every customer as they are at `start` and puts every event on the runtime's agenda. */
export async function enterScenario(runtime: LocalRuntime, scenario: Scenario): Promise<void> {
  const start = new Date(scenario.start).toISOString();
  // Customers are independent: their writes go through the work queue together (it bounds how many run at once).
  await Promise.all(scenario.customers.map((customer) => runtime.work.run(customer.id, () => seedCustomer(runtime, customer, start))));
  for (const customer of scenario.customers) {
    customer.consents.forEach((consent, index) => {
      if (Date.parse(consent.at) <= Date.parse(start)) return;
      runtime.schedule({
        at: Date.parse(consent.at),
        order: [customer.id, -1, index],
        key: customer.id,
        run: async () => {
          await runtime.store.recordConsent(customer.id, {
            channel: consent.channel,
            topic: consent.topic,
            status: consent.status,
            at: consent.at,
            proof: { source: consent.source },
          });
        },
      });
    });
  }
  const occurrences = new Map<string, number>();
  scenario.events.forEach((event, index) => {
    let eventId: string | undefined;
    if (event.type === 'event') {
      const key = `${event.customerId}\u0000${event.name}`;
      const n = (occurrences.get(key) ?? 0) + 1;
      occurrences.set(key, n);
      eventId = `${event.name}-${n}`;
    }
    runtime.schedule({
      at: Date.parse(event.at),
      order: [event.customerId, index],
      key: event.customerId,
      run: () => applyEvent(runtime, event, eventId),
    });
  });
}

/**
 * Writes the customer as they are at `start`: the records putProfile, recordConsent,
 * putPreferences, addSuppression and setAttributes would leave, written in one import (a few
 * batch writes: the scenario's customers are new, and setting them up is not journey work).
 */
async function seedCustomer(runtime: LocalRuntime, customer: ScenarioCustomer, start: string): Promise<void> {
  await runtime.store.importCustomer({
    profile: {
      customerId: customer.id,
      stage: customer.stage,
      timezone: customer.timezone,
      email: customer.email,
      phone: customer.phone,
      address: customer.address,
      updatedAt: start,
    },
    preferences: customer.preferences,
    consents: customer.consents
      .filter((consent) => Date.parse(consent.at) <= Date.parse(start))
      .map((consent) => ({ channel: consent.channel, topic: consent.topic, status: consent.status, at: consent.at, proof: { source: consent.source } })),
    suppressions: customer.suppressions,
    attributes: [...attributesByInstant(customer.attributes ?? {}, start)].flatMap(([at, changes]) =>
      chunks(changes).map((chunk) => ({ changes: chunk, context: { at } })),
    ),
  });
}

/** Attributes grouped by the instant they were learnt (see the module comment on `lastEvent.`). */
function attributesByInstant(attributes: Readonly<Record<string, AttributeValue>>, start: string): Map<string, Record<string, AttributeValue>> {
  const groups = new Map<string, Record<string, AttributeValue>>();
  for (const [name, value] of Object.entries(attributes)) {
    let at = start;
    if (name.startsWith(LAST_EVENT_ATTRIBUTE_PREFIX) && typeof value === 'string' && !Number.isNaN(Date.parse(value)) && Date.parse(value) <= Date.parse(start)) {
      at = new Date(value).toISOString();
    }
    const group = groups.get(at) ?? {};
    group[name] = value;
    groups.set(at, group);
  }
  return new Map([...groups].sort(([a], [b]) => Date.parse(a) - Date.parse(b)));
}

/** Attribute changes in groups of at most MAX_ATTRIBUTE_CHANGES (what one setAttributes call takes). */
function chunks(changes: Record<string, AttributeValue>): Record<string, AttributeValue>[] {
  const entries = Object.entries(changes);
  const groups: Record<string, AttributeValue>[] = [];
  for (let first = 0; first < entries.length; first += MAX_ATTRIBUTE_CHANGES) groups.push(Object.fromEntries(entries.slice(first, first + MAX_ATTRIBUTE_CHANGES)));
  return groups;
}

async function setInChunks(runtime: LocalRuntime, customerId: string, changes: Record<string, AttributeValue>, at: string): Promise<void> {
  for (const group of chunks(changes)) await runtime.store.setAttributes(customerId, group, { at });
}

/**
 * The event's properties that can be attributes (a name the store takes, an attribute value), as
 * the attributes the event teaches. The others are left out rather than failing the event: the
 * contract does not restrict `properties`.
 */
function attributesOf(properties: Readonly<Record<string, unknown>> | undefined): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(properties ?? {})) {
    if (name.startsWith(LAST_EVENT_ATTRIBUTE_PREFIX) || !AttributeNameSchema.safeParse(name).success || Object.keys(attributes).length >= MAX_ATTRIBUTE_CHANGES - 1) continue;
    const parsed = AttributeValueSchema.safeParse(value);
    if (parsed.success) attributes[name] = parsed.data;
  }
  return attributes;
}

/** Does what `event` stands for (see the module comment); runs inside the customer's work item. */
export async function applyEvent(runtime: LocalRuntime, event: ScenarioEvent, eventId?: string): Promise<void> {
  const at = new Date(event.at).toISOString();
  const { store } = runtime;
  switch (event.type) {
    case 'event': {
      const customerEvent: CustomerEvent = {
        name: event.name,
        customerId: event.customerId,
        eventId: eventId ?? `${event.name}-${at}`,
        occurredAt: at,
        touchpoint: defaultTouchpointOf(event.name),
        attributes: attributesOf(event.properties),
        consents: [],
      };
      await ingestCustomerEvent(runtime.ingestPorts(), customerEvent);
      return;
    }
    case 'consent':
      await store.recordConsent(event.customerId, {
        channel: event.channel,
        topic: event.topic,
        status: event.status,
        at,
        proof: { source: event.source },
      });
      return;
    case 'bounce':
      if (event.kind === 'hard') await store.addSuppression(event.customerId, { channel: event.channel, reason: 'hard_bounce', at });
      return;
    case 'complaint':
      await store.addSuppression(event.customerId, { channel: event.channel, reason: 'complaint', at });
      return;
    case 'profile': {
      const { changes } = event;
      const snapshot = await store.requireSnapshot(event.customerId);
      const profile: Profile = { ...snapshot.profile, updatedAt: at };
      if (changes.stage !== undefined) profile.stage = changes.stage;
      if (changes.timezone !== undefined) profile.timezone = changes.timezone;
      if (changes.email !== undefined) profile.email = changes.email ?? undefined;
      if (changes.phone !== undefined) profile.phone = changes.phone ?? undefined;
      if (changes.address !== undefined) profile.address = changes.address ?? undefined;
      await store.putProfile(profile);
      if (changes.preferences !== undefined) await store.putPreferences(event.customerId, changes.preferences, { at });
      if (changes.attributes !== undefined) await setInChunks(runtime, event.customerId, changes.attributes, at);
      return;
    }
  }
}
