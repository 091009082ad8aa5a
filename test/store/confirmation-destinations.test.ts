/**
 * The per-destination confirmation slots (lib/store/confirmation-destinations.ts) on dynalite:
 * claims made at once, as several Lambda instances make them, never get more slots than the
 * budget; a slot frees only strictly after the window; a slot given back frees at once; the key
 * carries no address or number.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  claimDestinationSlot,
  destinationPartition,
  normalizedDestination,
  releaseDestinationSlot,
  type DestinationBudget,
} from '../../lib/store/confirmation-destinations';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';

const BUDGET: DestinationBudget = { messages: 3, windowMs: 86_400_000 };
const START = Date.parse('2026-03-02T15:00:00Z');

let dynamo: DynaliteHarness;
let table: { client: DynaliteHarness['client']; tableName: string };
let sequence = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  table = { client: dynamo.client, tableName: await createCustomerTable(dynamo.client, 'confirmation-destinations') };
});
afterAll(() => dynamo.stop());

function newPhone(): string {
  sequence += 1;
  return `+1646555${String(2000 + sequence)}`;
}

const at = (offsetMs: number) => new Date(START + offsetMs).toISOString();

describe('claimDestinationSlot', () => {
  it('gives out no more slots than the budget to claims made at once, as from several Lambda instances', async () => {
    // Prepare
    const phone = newPhone();
    // Act
    const claims = await Promise.all(Array.from({ length: 12 }, () => claimDestinationSlot(table, { channel: 'sms', to: phone }, at(0), BUDGET)));
    // Assess
    expect(claims.filter((claim) => claim !== undefined)).toHaveLength(BUDGET.messages);
  });

  it('frees a slot only strictly after the window since the confirmation it holds', async () => {
    // Prepare
    const phone = newPhone();
    for (let index = 0; index < BUDGET.messages; index += 1) await claimDestinationSlot(table, { channel: 'sms', to: phone }, at(index * 60_000), BUDGET);
    // Act
    const atTheEdge = await claimDestinationSlot(table, { channel: 'sms', to: phone }, at(BUDGET.windowMs), BUDGET);
    const past = await claimDestinationSlot(table, { channel: 'sms', to: phone }, at(BUDGET.windowMs + 1), BUDGET);
    const second = await claimDestinationSlot(table, { channel: 'sms', to: phone }, at(BUDGET.windowMs + 2), BUDGET);
    // Assess
    expect([atTheEdge, past, second].map((claim) => claim !== undefined)).toEqual([false, true, false]);
  });

  it('frees a slot given back at once, and leaves a slot claimed again since alone', async () => {
    // Prepare
    const phone = newPhone();
    const claims = [];
    for (let index = 0; index < BUDGET.messages; index += 1) claims.push(await claimDestinationSlot(table, { channel: 'sms', to: phone }, at(index), BUDGET));
    const [first] = claims;
    if (first === undefined) throw new Error('the first claim was refused');
    // Act
    await releaseDestinationSlot(table, first);
    const again = await claimDestinationSlot(table, { channel: 'sms', to: phone }, at(10), BUDGET);
    await releaseDestinationSlot(table, first);
    const refused = await claimDestinationSlot(table, { channel: 'sms', to: phone }, at(11), BUDGET);
    // Assess
    expect([again !== undefined, refused === undefined]).toEqual([true, true]);
  });

  it('keys a destination by a digest: neither the address nor the number is in any key or attribute', async () => {
    // Prepare
    const phone = newPhone();
    const email = `Someone.${sequence}+news@Example.com`;
    // Act
    await claimDestinationSlot(table, { channel: 'sms', to: phone }, at(0), BUDGET);
    await claimDestinationSlot(table, { channel: 'email', to: email }, at(0), BUDGET);
    const items = await Promise.all(
      [destinationPartition({ channel: 'sms', to: phone }), destinationPartition({ channel: 'email', to: email })].map(async (pk) =>
        (await table.client.send(new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } }))).Items ?? [],
      ),
    );
    // Assess
    const stored = JSON.stringify(items);
    expect(items.map((partition) => partition.length)).toEqual([1, 1]);
    expect(stored).toMatch(/CONFIRMATION_TO#[0-9a-f]{64}/);
    for (const personal of [phone, phone.slice(2), `someone.${sequence}`, 'example.com']) expect(stored.toLowerCase()).not.toContain(personal.toLowerCase());
  });
});

describe('normalizedDestination', () => {
  it.each([
    ['Ana@Example.com', 'ana@example.com'],
    ['ana+newsletter@example.com', 'ana@example.com'],
    ['A.n.a+x@GoogleMail.com', 'ana@gmail.com'],
    ['a.na@example.com', 'a.na@example.com'],
  ])('counts %s as %s', (address, normalized) => {
    expect(normalizedDestination({ channel: 'email', to: address })).toBe(normalized);
  });
});
