/**
 * Small hand-written scenarios and report entries for the scenario tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Journey } from '../../lib/journeys/format';
import type { Report, ReportMessage, ReportSkip } from '../../lib/scenario/report';
import { summarize } from '../../lib/scenario/report';
import type { Scenario, ScenarioCustomer, ScenarioEvent } from '../../lib/scenario/scenario';

/**
 * The shared scenario (`shared/scenarios/revocation-mid-journey.json`, copied here so the
 * tests need nothing outside the repository), read fresh for each test that changes it.
 */
export function sharedScenarioJson(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', 'revocation-mid-journey.json'), 'utf8')) as Record<string, unknown>;
}

/** The example scenario of the contract, with four customers so that `customers[3]` exists. */
export function contractScenarioJson(): { customers: Record<string, unknown>[] } & Record<string, unknown> {
  const customer = (id: string, timezone: string): Record<string, unknown> => ({
    id,
    stage: 'prospect',
    timezone,
    email: `${id}@example.com`,
    phone: '+12125550143',
    address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' },
    attributes: { interests: ['running'], tier: 'standard' },
    consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T12:00:00Z', source: 'web-form' }],
    preferences: {
      channels: ['email', 'sms'],
      quietHours: { start: '21:00', end: '08:00' },
      preferredWindow: { start: '17:00', end: '20:00' },
      maxPerWeek: 3,
    },
    suppressions: [{ channel: 'sms', reason: 'carrier_blocked', at: '2026-02-01T00:00:00Z' }],
  });
  return {
    start: '2026-03-02T09:00:00Z',
    until: '2026-04-15T00:00:00Z',
    seed: 7,
    journeys: ['welcome'],
    customers: [
      customer('c-001', 'America/New_York'),
      customer('c-002', 'Europe/London'),
      customer('c-003', 'Asia/Kolkata'),
      customer('c-004', 'Asia/Tokyo'),
    ],
    events: [
      { at: '2026-03-02T10:00:00Z', customerId: 'c-001', type: 'event', name: 'signed_up', properties: {} },
      { at: '2026-03-05T08:30:00Z', customerId: 'c-001', type: 'consent', channel: 'email', topic: 'marketing', status: 'revoked', source: 'one-click-unsubscribe' },
      { at: '2026-03-06T00:00:00Z', customerId: 'c-001', type: 'bounce', channel: 'email', kind: 'hard' },
      { at: '2026-03-07T00:00:00Z', customerId: 'c-001', type: 'profile', changes: { attributes: { tier: 'gold' } } },
    ],
  };
}

/**
 * A journey for checker tests: one marketing step allowing email, then SMS, then mail; one
 * transactional email step; one marketing step allowing SMS only.
 */
export const LADDER_JOURNEY: Journey = {
  formatVersion: 1,
  id: 'ladder',
  name: 'Ladder',
  entry: { type: 'entry', id: 'start', trigger: { kind: 'event', events: ['signed_up'] }, reEntry: { rule: 'never' }, next: 'offer' },
  nodes: [
    { type: 'send', id: 'offer', templateId: 'offer', topic: 'marketing', channels: ['email', 'sms', 'mail'], next: 'receipt' },
    { type: 'send', id: 'receipt', templateId: 'receipt', topic: 'transactional', channels: ['email', 'sms'], next: 'text' },
    { type: 'send', id: 'text', templateId: 'text', topic: 'marketing', channels: ['sms'], next: 'done' },
    { type: 'exit', id: 'done' },
  ],
};

/**
 * An inline journey that passes everything synthesis checks (its templates are the catalog's), for
 * tests of parsing: one marketing step allowing email, then SMS, then mail.
 */
export const RUNNABLE_JOURNEY: Journey = {
  ...LADDER_JOURNEY,
  id: 'runnable',
  name: 'Runnable',
  nodes: [
    { type: 'send', id: 'offer', templateId: 'welcome', topic: 'marketing', channels: ['email', 'sms', 'mail'], next: 'done' },
    { type: 'exit', id: 'done' },
  ],
};

/** A customer reachable on every channel, with marketing consent on every channel since February. */
export function customer(overrides: Partial<ScenarioCustomer> = {}): ScenarioCustomer {
  return {
    id: 'c-001',
    stage: 'prospect',
    timezone: 'America/New_York',
    email: 'someone@example.com',
    phone: '+12125550143',
    address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' },
    consents: (['email', 'sms', 'mail'] as const).map((channel) => ({
      channel,
      topic: 'marketing',
      status: 'granted' as const,
      at: '2026-02-01T00:00:00Z',
      source: 'web-form',
    })),
    ...overrides,
  };
}

/** A scenario running the ladder journey for the given customers and events, all of 2026. */
export function scenario(customers: ScenarioCustomer[], events: ScenarioEvent[] = []): Scenario {
  return { start: '2026-01-01T00:00:00Z', until: '2027-01-01T00:00:00Z', seed: 1, journeys: [LADDER_JOURNEY], customers, events };
}

/** A message of the ladder journey's `offer` step (override any field). */
export function message(overrides: Partial<ReportMessage> = {}): ReportMessage {
  return {
    customerId: 'c-001',
    journey: 'ladder',
    execution: 'ladder-c-001-signed_up-1',
    step: 'offer',
    channel: 'email',
    topic: 'marketing',
    at: '2026-03-02T15:00:00Z',
    ...overrides,
  };
}

/** A report of these entries, with the customers of `forScenario` and a matching summary. */
export function report(forScenario: Scenario, messages: ReportMessage[], skipped: ReportSkip[] = []): Report {
  return {
    messages,
    skipped,
    customers: forScenario.customers.map((c) => ({ id: c.id, stage: c.stage })),
    summary: summarize(messages, skipped),
  };
}
