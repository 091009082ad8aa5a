import { CustomerStore } from '../../lib/store/customer-store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { useLambdaEnvironment } from '../support/lambda-environment';

let dynamo: DynaliteHarness;
let store: CustomerStore;
let restoreEnvironment: () => void;
let recordFeedback: typeof import('../../functions/feedback/index').recordFeedback;

beforeAll(async () => {
  dynamo = await startDynalite();
  const tableName = await createCustomerTable(dynamo.client, 'feedback');
  store = new CustomerStore({ client: dynamo.client, tableName });
  restoreEnvironment = useLambdaEnvironment({
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    CUSTOMER_TABLE_NAME: tableName,
  });
  ({ recordFeedback } = await import('../../functions/feedback/index'));
});
afterAll(async () => {
  restoreEnvironment();
  await dynamo.stop();
});

/** An SES event as the configuration set's EventBridge destination publishes it. */
function sesEvent(detailType: string, detail: Record<string, unknown>, tags: Record<string, string[]>): Record<string, unknown> {
  return {
    version: '0',
    id: 'f1',
    'detail-type': detailType,
    source: 'aws.ses',
    time: '2026-03-06T00:00:05Z',
    detail: { mail: { messageId: 'ses-msg-1', timestamp: '2026-03-06T00:00:00Z', tags: { 'ses:configuration-set': ['overture-dev'], ...tags } }, ...detail },
  };
}

const hardBounce = () =>
  sesEvent('Email Bounced', { eventType: 'Bounce', bounce: { bounceType: 'Permanent', bounceSubType: 'General', timestamp: '2026-03-06T00:00:04Z' } }, { customer_id: ['c-001'], topic: ['marketing'] });

describe('feedback function', () => {
  it('suppresses email after a hard bounce of Overture mail, once however often SES repeats it', async () => {
    // Act
    const first = await recordFeedback(hardBounce());
    const repeated = await recordFeedback(hardBounce());

    // Assess
    expect(first).toEqual({ status: 'applied', kind: 'hard_bounce', suppression: 'added' });
    expect(repeated).toEqual({ status: 'applied', kind: 'hard_bounce', suppression: 'kept_earlier' });
  });

  it('turns a complaint into a suppression and a revocation of the topic, with the message id as proof', async () => {
    // Act
    const result = await recordFeedback(
      sesEvent('Email Complaint Received', { eventType: 'Complaint', complaint: { timestamp: '2026-03-06T00:00:04Z' } }, { customer_id: ['c-002'], topic: ['marketing'] }),
    );

    // Assess
    expect(result).toMatchObject({ status: 'applied', kind: 'complaint', suppression: 'added', consent: { ledger: 'appended' } });
    expect(await store.consentLedger('c-002')).toEqual([
      { channel: 'email', topic: 'marketing', status: 'revoked', at: '2026-03-06T00:00:04Z', proof: { source: 'ses-complaint', messageId: 'ses-msg-1' } },
    ]);
  });

  it('ignores mail that carries no Overture customer id', async () => {
    // Act
    const result = await recordFeedback(
      sesEvent('Email Complaint Received', { eventType: 'Complaint', complaint: { timestamp: '2026-03-06T00:00:04Z' } }, {}),
    );

    // Assess
    expect(result).toEqual({ status: 'ignored' });
  });
});
