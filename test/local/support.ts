/**
 * Shared by the local-runtime and simulator tests: a cloud-assembly folder per test file (test
 * files run in parallel and each synthesizes the app), and temporary data folders.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCustomerEvent } from '../../lib/ingest/customer-event';
import { bucketOf } from '../../lib/journeys/effects';
import type { LocalRuntime } from '../../lib/local/runtime';
import type { ScenarioInput } from '../../lib/scenario';
import { defineJourney, exit, onEvent, reEntry, send, waitUntilDate } from '../../workflows/builder';

/** A cdk.out folder of this test file's own, under the system's temporary folder. */
export function testOutdir(label: string): string {
  return path.join(os.tmpdir(), 'overture-test-cdk', `${label}-${process.pid}`);
}

/** A fresh, empty data folder for a local stack. */
export function temporaryDataDir(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `overture-${label}-`));
}

/**
 * A fresh data folder that a stack started on at `start` and stopped, as `overture serve` leaves
 * it: the folder the other commands (send-event, launch, status…) work on, which make no stack.
 */
export async function stoppedStackDataDir(label: string, options: { readonly outdir: string; readonly start: Date }): Promise<string> {
  // Loaded here: the runtime's module is slow to load, and most files importing this one do not need it.
  const { LocalRuntime } = await import('../../lib/local/runtime');
  const dataDir = temporaryDataDir(label);
  const runtime = await LocalRuntime.start({ dataDir, outdir: options.outdir, start: options.start, resumeInterrupted: false, inactivityScan: false });
  await runtime.close();
  return dataDir;
}

/** A customer id whose win-back holdout bucket is below 10 (held out: gets nothing) or not. */
export function winBackCustomer(heldOut: boolean, prefix = 'b'): string {
  for (let index = 0; index < 1000; index += 1) {
    const id = `${prefix}-${index}`;
    if (bucketOf(id, 'win-back', 'holdout') < 10 === heldOut) return id;
  }
  throw new Error('no customer id in the wanted bucket');
}

type ScenarioCustomer = ScenarioInput['customers'][number];

/** A scenario customer (active, in UTC) reachable on every channel, with marketing consent on each since 1 March 2026; `extra` overrides. */
export function reachableCustomer(id: string, extra: Partial<ScenarioCustomer> = {}): ScenarioCustomer {
  return {
    id,
    stage: 'active',
    timezone: 'UTC',
    email: `${id}@example.com`,
    phone: '+12125550143',
    address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' },
    consents: (['email', 'sms', 'mail'] as const).map((channel) => ({ channel, topic: 'marketing', status: 'granted' as const, at: '2026-03-01T00:00:00Z', source: 'web-form' })),
    ...extra,
  };
}

/** A customer event for {@link scheduleCustomerEvent}: its name, customer and producer's id. */
export interface ScheduledCustomerEvent {
  readonly name: string;
  readonly customerId: string;
  readonly eventId: string;
  /** The virtual instant (epoch ms) it is ingested at. */
  readonly at: number;
  /** How far ahead of `at` its producer stamped it (a producer's clock running ahead). @default 0 */
  readonly aheadMs?: number;
  readonly touchpoint?: string;
}

/**
 * Has `runtime` ingest `event` at its virtual instant, in the customer's work item, as the bus
 * would deliver it: parsed like an EventBridge event (failing the run on a bad one), then ingested.
 */
export function scheduleCustomerEvent(runtime: LocalRuntime, event: ScheduledCustomerEvent): void {
  const { name, customerId, eventId, at, touchpoint } = event;
  runtime.schedule({
    at,
    order: [customerId],
    key: customerId,
    run: async () => {
      const occurredAt = new Date(at + (event.aheadMs ?? 0)).toISOString();
      const detail = { customerId, eventId, occurredAt, ...(touchpoint === undefined ? {} : { touchpoint }) };
      const parsed = parseCustomerEvent({ id: `eb-${eventId}`, 'detail-type': name, source: 'test', time: occurredAt, detail }, { now: runtime.now() });
      if (!parsed.valid) throw new Error(parsed.reason);
      await runtime.ingestInWorkItem(parsed.event);
    },
  });
}

/**
 * A journey that waits until 7 days before the customer's `renewal_date`, then reminds them and
 * exits: for the date waits' edge cases (a date already past, a date beyond the execution's year).
 */
export const renewalReminder = defineJourney({
  id: 'renewal-reminder',
  name: 'Renewal reminder',
  entry: onEvent(['subscription_started'], reEntry.never),
  steps: [
    waitUntilDate('before-renewal', { attribute: 'renewal_date', offsetDays: -7 }),
    send('remind', { template: 'preference-reminder', topic: 'marketing', channels: ['email'] }),
    exit('reminded', 'reminded'),
  ],
});
