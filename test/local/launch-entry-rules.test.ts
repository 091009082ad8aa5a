/**
 * `overture launch` of a journey the catalog enters by a customer's event: the launch enters only
 * the customers the journey's own `when` admits, and never a journey with a transactional send
 * step, whose message skips consent because it answers the customer's own request (docs/journeys.md).
 * On a stopped stack's data folder, as a marketer runs it.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DATA_FILES } from '../../lib/local/data-files';
import { readMailboxFile } from '../../lib/local/mailbox';
import { overture } from '../support/cli';
import { stoppedStackDataDir, testOutdir } from './support';

jest.setTimeout(900_000);

const cdkOut = testOutdir('launch-entry-rules');
let data: string;

beforeAll(async () => {
  data = await stoppedStackDataDir('launch-entry-rules', { outdir: cdkOut, start: new Date('2026-03-02T15:00:00Z') });
});

/** An audience file beside the data folder. */
function audienceFile(name: string, content: string): string {
  const target = path.join(data, '..', `${path.basename(data)}-${name}`);
  writeFileSync(target, content);
  return target;
}

async function subjectsTo(address: string): Promise<string[]> {
  const emails = await readMailboxFile(path.join(data, DATA_FILES.mailbox));
  return emails.filter((email) => email.destination.to.includes(address)).map((email) => email.subject);
}

describe('overture launch of a journey the catalog enters by an event', () => {
  it('refuses prospect-nurture (status 2), whose transactional preference request would reach a customer who unsubscribed, naming the journey and why', async () => {
    // Prepare: an active customer who withdrew marketing email.
    const event = await overture(
      'send-event', 'order_placed', '--customer', 'r-1', '--at', '2026-03-02T15:00:00Z', '--event-id', 'o-r-1',
      '--profile', '{"timezone":"UTC","email":"r-1@example.com","stage":"active"}',
      '--consents', '[{"channel":"email","topic":"marketing","status":"revoked","proof":{"source":"unsubscribe-link"}}]',
      '--data', data, '--cdk-out', cdkOut, '--json',
    );
    expect(event.status).toBe(0);

    // Act
    const launched = await overture('launch', 'prospect-nurture', '--audience', audienceFile('nurture.csv', 'customerId\nr-1\n'), '--data', data, '--cdk-out', cdkOut, '--json');

    // Assess
    expect(launched).toMatchObject({ status: 2, stdout: '' });
    expect(launched.stderr).toMatch(/journey "prospect-nurture" sends a transactional message.*only the customer's own event may start it.*nothing was launched/);
    expect(await subjectsTo('r-1@example.com')).toEqual([]);
  });

  it('does not enter an active customer into welcome (its `when`: a prospect who has not ordered), counting them conditionNotMet', async () => {
    // Prepare: a customer who has bought and gets marketing email.
    const event = await overture(
      'send-event', 'order_placed', '--customer', 'r-2', '--at', '2026-03-02T15:00:00Z', '--event-id', 'o-r-2',
      '--profile', '{"timezone":"UTC","email":"r-2@example.com","stage":"active"}',
      '--consents', '[{"channel":"email","topic":"marketing","status":"granted","proof":{"source":"web-form"}}]',
      '--data', data, '--cdk-out', cdkOut, '--json',
    );
    expect(event.status).toBe(0);

    // Act
    const launched = await overture('launch', 'welcome', '--audience', audienceFile('welcome.csv', 'customerId\nr-2\n'), '--data', data, '--cdk-out', cdkOut, '--json');
    const text = await overture('launch', 'welcome', '--audience', audienceFile('welcome-text.csv', 'customerId\nr-2\n'), '--id', 'welcome-text', '--data', data, '--cdk-out', cdkOut);

    // Assess
    expect(launched.status).toBe(0);
    expect(JSON.parse(launched.stdout)).toMatchObject({ outcome: 'launched', customers: 1, started: 0, notEligible: 0, conditionNotMet: 1 });
    expect(text.stdout).toContain("0 entered, 0 already in or not eligible (re-entry rule), 1 not admitted by the journey's entry conditions");
    expect(await subjectsTo('r-2@example.com')).toEqual([]);
  });

  it("does not use up a silver customer's year of loyalty re-entry (the README's launch example), so the gold tier they reach later enters", async () => {
    // Prepare: a silver-tier customer with marketing email.
    const silver = await overture(
      'send-event', 'tier_changed', '--customer', 'r-4', '--at', '2026-03-02T15:00:00Z', '--event-id', 'tier-r-4-silver',
      '--attributes', '{"tier":"silver"}',
      '--profile', '{"timezone":"UTC","email":"r-4@example.com","stage":"active"}',
      '--consents', '[{"channel":"email","topic":"marketing","status":"granted","proof":{"source":"web-form"}}]',
      '--data', data, '--cdk-out', cdkOut, '--json',
    );
    expect(JSON.parse(silver.stdout)).toMatchObject({ outcome: { journeys: [{ journey: 'loyalty', outcome: 'condition_not_met' }] } });
    const launched = await overture('launch', 'loyalty', '--audience', audienceFile('loyalty.csv', 'customerId\nr-4\n'), '--data', data, '--cdk-out', cdkOut, '--json');

    // Act: the customer reaches gold.
    const gold = await overture(
      'send-event', 'tier_changed', '--customer', 'r-4', '--event-id', 'tier-r-4-gold', '--attributes', '{"tier":"gold"}',
      '--data', data, '--cdk-out', cdkOut, '--json',
    );

    // Assess
    expect(launched.status).toBe(0);
    expect(JSON.parse(launched.stdout)).toMatchObject({ started: 0, conditionNotMet: 1 });
    expect(JSON.parse(gold.stdout)).toMatchObject({ outcome: { journeys: [{ journey: 'loyalty', outcome: 'started' }] } });
  });
});
