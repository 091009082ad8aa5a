/**
 * The snapshot a Send step decides on, when DynamoDB's Query reads a permission change in part:
 * on AWS a Query is not isolated from a transaction that commits while it runs, so it can return
 * a revocation's new version of the frequency item beside the consent from before it. dynalite
 * runs one request at a time and cannot answer that way, so the DynamoDB client is mocked here to
 * answer as AWS may; the real round trip is in deliver-message and permission-change-race tests.
 */
import { DynamoDBClient, QueryCommand, TransactGetItemsCommand, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { decideDelivery } from '../../lib/permission';
import { DeliveryStore } from '../../lib/store';
import { itemKeys } from '../../lib/store/item-keys';
import { aProfile } from './fixtures';

const CUSTOMER = 'half-read';
const NOON = new Date('2026-03-02T17:00:00Z');
const message = { channels: ['email' as const], topic: 'marketing' };

const stored = (sortKey: string, body: object) => marshall({ pk: itemKeys.partition(CUSTOMER), sk: sortKey, ...body }, { removeUndefinedValues: true });
const consent = (status: 'granted' | 'revoked', at: string) =>
  stored(itemKeys.consentState('email', 'marketing'), { kind: 'consent_state', channel: 'email', topic: 'marketing', status, at, source: 'web-form', order: `${at}#x` });
const frequency = (version: number) => stored(itemKeys.frequency(), { kind: 'frequency', sends: [], version });

/** A Query that read the consent before a revocation committed and the frequency item after it. */
const halfRead = [
  consent('granted', '2026-03-01T12:00:00.000Z'),
  stored(itemKeys.consentState('email', 'newsletter'), { kind: 'consent_state', channel: 'email', topic: 'newsletter', status: 'granted', at: '2026-03-01T12:00:00.000Z', source: 'web-form', order: 'n' }),
  frequency(1),
  stored(itemKeys.profile(), { kind: 'profile', ...aProfile(CUSTOMER) }),
];

/** The same records, read as one snapshot after the revocation. */
const together = [{ Item: frequency(1) }, {}, {}, { Item: consent('revoked', '2026-03-02T16:59:00.000Z') }];

function storeWith(client: DynamoDBClient): DeliveryStore {
  return new DeliveryStore({ client, tableName: 'customers', pause: () => Promise.resolve() });
}

describe('DeliveryStore.getDecisionSnapshot', () => {
  it('decides on the permission records read together, not on a Query that read a revocation in part', async () => {
    // Prepare
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    mock.on(QueryCommand).resolves({ Items: halfRead });
    mock.on(TransactGetItemsCommand).resolves({ Responses: together });

    // Act
    const queried = await storeWith(client).getSnapshot(CUSTOMER);
    const decided = await storeWith(client).getDecisionSnapshot(CUSTOMER, message);

    // Assess: the Query alone would send; the snapshot read together skips.
    expect(queried && decideDelivery(queried, message, NOON).kind).toBe('send');
    expect(decided && decideDelivery(decided, message, NOON)).toMatchObject({ kind: 'skip', reason: 'no_consent' });
    expect(decided?.consents).toEqual([
      expect.objectContaining({ topic: 'newsletter', status: 'granted' }),
      expect.objectContaining({ topic: 'marketing', status: 'revoked' }),
    ]);
    expect(decided?.frequency).toEqual({ sends: [], version: 1 });
    const [get] = mock.commandCalls(TransactGetItemsCommand);
    expect(get?.args[0].input.TransactItems?.map((item) => item.Get?.Key?.sk?.S)).toEqual([
      itemKeys.frequency(),
      itemKeys.preferences(),
      itemKeys.suppression('email'),
      itemKeys.consentState('email', 'marketing'),
    ]);
    mock.restore();
  });

  it('reads again when the read is cancelled for a transaction writing the same records', async () => {
    // Prepare
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    mock.on(QueryCommand).resolves({ Items: halfRead });
    mock
      .on(TransactGetItemsCommand)
      .rejectsOnce(new TransactionCanceledException({ message: 'conflict', $metadata: {}, CancellationReasons: [{ Code: 'TransactionConflict' }] }))
      .resolves({ Responses: together });

    // Act
    const decided = await storeWith(client).getDecisionSnapshot(CUSTOMER, message);

    // Assess
    expect(mock.commandCalls(TransactGetItemsCommand)).toHaveLength(2);
    expect(decided?.consents).toContainEqual(expect.objectContaining({ topic: 'marketing', status: 'revoked' }));
    mock.restore();
  });
});
