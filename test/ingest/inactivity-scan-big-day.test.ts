/**
 * The inactivity scan with one very big lapse day: a million-customer table can lapse a hundred
 * thousand customers on one day (a Black Friday cohort, a day of orders backfilled at migration),
 * and the scan must still group and launch them well inside its Lambda's 15 minutes, or no
 * win-back is launched for any day while that one stays in the lookback. Loading that many
 * customers into dynalite would take minutes, so the three clients are mocked here, each answering
 * as its service does: the lapse index's Query in 1 MB pages, S3's PutObject, Step Functions'
 * StartExecution. test/ingest/inactivity-scan.test.ts covers the scan on the real emulators.
 */
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { scanForInactivity } from '../../lib/ingest/inactivity-scan';
import { routesOf } from '../../lib/ingest/journey-routes';
import { LOCAL_CLIENT_CONFIG } from '../../lib/local/clients';
import { lapseKeyOf } from '../../lib/store/item-keys';
import { CUSTOMER_PARTITION_PREFIX, LAPSE_AT, PARTITION_KEY } from '../../lib/store/table-design';
import { CATALOG } from '../../workflows';
import { WIN_BACK_INACTIVE_DAYS } from '../../workflows/catalog/win-back';

const DAY_MS = 86_400_000;
const now = new Date('2026-06-01T03:00:00Z');
const routes = routesOf(CATALOG, (journey) => `arn:aws:states:us-east-1:111122223333:stateMachine:${journey}`);
const LAPSED = 100_000;
/** About what a 1 MB page of the keys-only lapse index holds. */
const PAGE_SIZE = 5_000;

// Far more than the scan needs (well under a second); the old grouping took about ten minutes.
jest.setTimeout(60_000);

describe('the inactivity scan with 100,000 customers lapsed on one day', () => {
  it('launches each of them once, in one audience file for the day', async () => {
    // Prepare: every customer ordered last on the same day, 91 days before the scan, in index shard 0.
    const lapseAt = new Date(Math.floor((now.getTime() - WIN_BACK_INACTIVE_DAYS * DAY_MS) / DAY_MS) * DAY_MS - DAY_MS / 2).toISOString();
    const items = Array.from({ length: LAPSED }, (_, index) => ({ [PARTITION_KEY]: { S: `${CUSTOMER_PARTITION_PREFIX}c-${index}` }, [LAPSE_AT]: { S: lapseAt } }));
    const dynamodb = mockClient(DynamoDBClient);
    dynamodb.on(QueryCommand).callsFake((input: QueryCommand['input']) => {
      if (input.ExpressionAttributeValues?.[':key']?.S !== lapseKeyOf('lastEvent.order_placed', 0)) return { Items: [] };
      const start = Number(input.ExclusiveStartKey?.offset?.N ?? '0');
      const end = Math.min(start + PAGE_SIZE, items.length);
      return { Items: items.slice(start, end), ...(end < items.length ? { LastEvaluatedKey: { offset: { N: String(end) } } } : {}) };
    });
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:111122223333:execution:launcher:x', startDate: now });

    // Act
    const launches = await scanForInactivity({
      dynamodb: new DynamoDBClient(LOCAL_CLIENT_CONFIG),
      tableName: 'customers',
      s3: new S3Client(LOCAL_CLIENT_CONFIG),
      audienceBucket: 'audiences',
      sfn: new SFNClient(LOCAL_CLIENT_CONFIG),
      launcherArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:launcher',
      routes,
      now: () => now,
    });

    // Assess
    expect(launches.map(({ journey, lapsed }) => ({ journey, lapsed }))).toEqual([{ journey: 'win-back', lapsed: LAPSED }]);
    const uploads = s3.commandCalls(PutObjectCommand);
    expect(uploads).toHaveLength(1);
    const rows = String(uploads[0]?.args[0].input.Body).trim().split(/\r?\n/).slice(1);
    expect(new Set(rows).size).toBe(LAPSED);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });
});
