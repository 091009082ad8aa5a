import { Stack, StackProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { OvertureConfig } from './config';
import { CustomerData } from './constructs/customer-data';

/** Props of {@link OvertureStack}. */
export interface OvertureStackProps extends StackProps {
  /** Validated deployment settings (see `readConfig`). */
  readonly config: OvertureConfig;
}

/** The whole Overture system in one deployable stack. */
export class OvertureStack extends Stack {
  /** Customer profiles, consents, preferences, suppressions and the send ledger. */
  public readonly data: CustomerData;

  constructor(scope: Construct, id: string, props: OvertureStackProps) {
    super(scope, id, props);
    const { config } = props;
    Tags.of(this).add('overture:environment', config.environment);

    this.data = new CustomerData(this, 'CustomerData', {
      deletionProtection: config.deletionProtection,
    });
  }
}
