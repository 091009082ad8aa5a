import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import * as design from '../store/table-design';

/** The DynamoDB actions a function may be granted on the customer table (never `dynamodb:*`). */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:ConditionCheckItem';

/** Reads customers and writes any of their records: every item action but ConditionCheckItem and batches. */
const READ_WRITE = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const satisfies readonly TableAction[];

/**
 * What each kind of function does with the table. Transactions (TransactWriteItems) are
 * authorized by the actions inside them, so they need no action of their own.
 */
/**
 * What the launch worker adds for a journey whose entry test reads each customer's whole state
 * with one Query (launch-entry-check.ts): granted only to a stack that has such a journey.
 */
export const LAUNCH_ENTRY_QUERY = 'dynamodb:Query';

export const TABLE_ACCESS = {
  /** Reads customers and writes any of their records (store, ledgers, tokens, entries, claims): sms-inbound. */
  readWrite: READ_WRITE,
  /**
   * Ingest: as readWrite, and ConditionCheckItem, since a phone change removes the old number from
   * the phone index only on a check that the profile holds another (lib/store/phone-index.ts).
   */
  ingest: [...READ_WRITE, 'dynamodb:ConditionCheckItem'],
  /**
   * The send function: as readWrite, and ConditionCheckItem, since a transactional message's
   * reservation checks the version of the customer's frequency item in the same transaction.
   */
  send: [...READ_WRITE, 'dynamodb:ConditionCheckItem'],
  /**
   * Writes suppressions and consents conditionally, each with the update that moves the frequency
   * item's version in the same transaction, and reads the profile (GetItem) to tell a bounce or
   * failure of the customer's current address or number from one of an address they left
   * (delivery feedback).
   */
  feedback: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  /**
   * The consent API: reads snapshots (Query), confirmation-text records (GetItem); writes consents,
   * preferences and profiles (PutItem, UpdateItem, in transactions too), the phone index, the
   * confirmation-text claims and the per-destination confirmation slots (PutItem), and gives a
   * claim or slot back (DeleteItem): readWrite. No ConditionCheckItem: it never removes a number from
   * the phone index, nor reserves against a version.
   */
  consentApi: READ_WRITE,
  /**
   * Reads whether each customer of an audience has a profile, and what the journey's entry test
   * reads of them, and claims entries (the launch worker). A journey whose entry test reads every
   * attribute (a `touchpointWithin` condition) adds {@link LAUNCH_ENTRY_QUERY}.
   */
  launch: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'],
  /**
   * Stores a wait's task token, reads the customer's `lastEvent.<event>` mark, and removes the
   * token when it resumed the execution itself (the waitForEvent function).
   */
  eventWait: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
  /**
   * Reads customers, moves stages and records journey outcomes. A stage change is a conditional
   * UpdateItem; when its condition fails, a GetItem of the profile tells a stage set later (kept)
   * from a missing customer.
   */
  journeyEffects: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
} as const satisfies Record<string, readonly TableAction[]>;

/** Props of {@link CustomerData}. */
export interface CustomerDataProps {
  /**
   * Refuse to delete the table, and keep it when the stack is deleted. Turn on wherever the data is
   * real: the consent ledger is the proof of permission.
   * @default false
   */
  readonly deletionProtection?: boolean;
}

/**
 * The customer table: one partition per customer holding the profile, attributes with their
 * history, the consent ledger and current consents, preferences, suppressions, the send ledger
 * and the frequency-cap record (key layout in `lib/store/table-design.ts`).
 *
 * On-demand billing, point-in-time recovery, encryption at rest with an AWS managed key, TTL on
 * records that expire (send ledger, decisions), and one sparse index, the lapse index, which the
 * daily inactivity scan queries.
 */
export class CustomerData extends Construct {
  /** The single customer table. */
  public readonly table: TableV2;

  constructor(scope: Construct, id: string, props: CustomerDataProps = {}) {
    super(scope, id);
    const protect = props.deletionProtection ?? false;
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: design.PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: design.SORT_KEY, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: design.TTL_ATTRIBUTE,
      globalSecondaryIndexes: [
        {
          indexName: design.LAPSE_INDEX_NAME,
          partitionKey: { name: design.LAPSE_KEY, type: AttributeType.STRING },
          sortKey: { name: design.LAPSE_AT, type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
      ],
      deletionProtection: protect,
      removalPolicy: protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }

  /**
   * Lets `grantee` perform exactly `actions` on the table's items. Not on its index: the table's own
   * grant would add every index (`<table>/index/*`) to the statement.
   */
  public grantActions(grantee: IGrantable, actions: readonly TableAction[]): Grant {
    return Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [this.table.tableArn] });
  }

  /** Lets `grantee` Query the lapse index, and nothing else of the table (the inactivity scan). */
  public grantLapseIndexQuery(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.table.tableArn}/index/${design.LAPSE_INDEX_NAME}`],
    });
  }
}
