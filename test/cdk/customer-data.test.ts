import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { InvalidConfigError, readConfig } from '../../lib/config';
import { LAPSE_AT, LAPSE_INDEX_NAME, LAPSE_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE, customerTableDefinition } from '../../lib/store/table-design';
import { synthesizeOverture } from './synthesize';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

const prodContext = {
  'overture:environment': 'prod',
  'overture:fromAddress': 'hello@mail.example.com',
  'overture:sendingIdentity': 'mail.example.com',
  'overture:smsOriginationIdentity': 'pool-0123',
  'overture:smsBrand': 'Example',
  'overture:publicBaseUrl': 'https://preferences.example.com',
  'overture:senderPostalAddress': TEST_SENDER_POSTAL_ADDRESS,
};

let dev: Template;
let prod: Template;
beforeAll(() => {
  dev = synthesizeOverture().template;
  prod = synthesizeOverture({ context: prodContext }).template;
});

describe('customer table', () => {
  it('uses the store key design, on-demand billing, encryption, point-in-time recovery and TTL', () => {
    // Act
    const template = dev;
    // Assess
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: SORT_KEY, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it('has the lapse index as the store defines it, and no other', () => {
    // Prepare
    const lapseIndex = {
      IndexName: LAPSE_INDEX_NAME,
      KeySchema: [
        { AttributeName: LAPSE_KEY, KeyType: 'HASH' },
        { AttributeName: LAPSE_AT, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    };

    // Assess
    dev.hasResourceProperties('AWS::DynamoDB::GlobalTable', { GlobalSecondaryIndexes: [lapseIndex] });
    expect(customerTableDefinition('any').GlobalSecondaryIndexes).toEqual([lapseIndex]);
  });

  it('is deletable in development', () => {
    dev.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] }),
    });
  });

  it('is protected from deletion and retained in prod', () => {
    prod.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] }),
    });
  });
});

describe('audience and access-log buckets', () => {
  /** The launcher's buckets with their deletion policy, and the buckets the stack empties before deleting them. */
  function launcherBuckets(template: Template): { deletion: Record<string, string | undefined>; emptied: unknown[] } {
    const resources = template.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string; Properties?: { BucketName?: unknown } }>;
    const buckets = Object.entries(resources).filter(([id, resource]) => resource.Type === 'AWS::S3::Bucket' && id.startsWith('AudienceLauncher'));
    return {
      deletion: Object.fromEntries(buckets.map(([id, resource]) => [id, resource.DeletionPolicy])),
      emptied: Object.values(resources)
        .filter((resource) => resource.Type === 'Custom::S3AutoDeleteObjects')
        .map((resource) => resource.Properties?.BucketName),
    };
  }

  it('are emptied and deleted with the stack in development, so cdk destroy does not fail on a bucket that holds objects', () => {
    // Act
    const { deletion, emptied } = launcherBuckets(dev);

    // Assess
    expect(Object.values(deletion)).toEqual(['Delete', 'Delete']);
    expect(emptied).toEqual(expect.arrayContaining(Object.keys(deletion).map((id) => ({ Ref: id }))));
    expect(emptied).toHaveLength(2);
  });

  it('are retained, and never emptied, in prod', () => {
    // Act
    const { deletion, emptied } = launcherBuckets(prod);

    // Assess
    expect(Object.values(deletion)).toEqual(['Retain', 'Retain']);
    expect(emptied).toEqual([]);
  });
});

function withoutKey(context: Record<string, string>, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(context).filter(([name]) => name !== key));
}

describe('configuration', () => {
  it('fails when prod is synthesized without a From address, naming the context key', () => {
    const { 'overture:fromAddress': _omitted, ...context } = prodContext;
    const app = new App({ context });
    expect(() => readConfig((key) => app.node.tryGetContext(key))).toThrow(
      new InvalidConfigError('Invalid Overture configuration: context "overture:fromAddress": Invalid input: expected string, received undefined'),
    );
  });

  it.each([
    ['dev', { 'overture:environment': 'dev' }],
    ['prod', withoutKey(prodContext, 'overture:senderPostalAddress')],
  ])('fails when %s is synthesized without the sender\'s postal address, naming the context key', (_environment, context) => {
    // Prepare
    const app = new App({ context });

    // Act
    const synth = () => readConfig((key) => app.node.tryGetContext(key));

    // Assess
    expect(synth).toThrow(InvalidConfigError);
    expect(synth).toThrow(/^Invalid Overture configuration: context "overture:senderPostalAddress": required in every environment: the postal address of the sender/);
  });

  it('fails when the sender\'s postal address is blank, naming the context key', () => {
    expect(() => readConfig((key) => ({ ...prodContext, 'overture:senderPostalAddress': ' \n ' })[key])).toThrow(/context "overture:senderPostalAddress": required/);
  });

  it('reads the sender\'s postal address from context, line breaks kept', () => {
    expect(readConfig((key) => ({ ...prodContext, 'overture:senderPostalAddress': ' Example Shop\n1 Main Street \n' })[key]).senderPostalAddress).toBe('Example Shop\n1 Main Street');
  });

  it('fails when the public base URL is not https', () => {
    expect(() => readConfig((key) => ({ 'overture:publicBaseUrl': 'http://insecure.example.com' })[key])).toThrow(
      /context "overture:publicBaseUrl"/,
    );
  });

  it('reads "false" from the command line as a boolean', () => {
    const config = readConfig((key) => ({ ...prodContext, 'overture:deletionProtection': 'false' })[key]);
    expect(config.deletionProtection).toBe(false);
  });
});
