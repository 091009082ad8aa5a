import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import * as design from '../store/table-design';

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
 * records that expire (send ledger, decisions).
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
      deletionProtection: protect,
      removalPolicy: protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }

  /** Lets `grantee` read customers (the gate's consistent Query). */
  public grantRead(grantee: IGrantable): void {
    this.table.grantReadData(grantee);
  }

  /** Lets `grantee` read and write customers (store writes, send ledger, consent changes). */
  public grantReadWrite(grantee: IGrantable): void {
    this.table.grantReadWriteData(grantee);
  }
}
