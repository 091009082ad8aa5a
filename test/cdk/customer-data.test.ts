import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { InvalidConfigError, readConfig } from '../../lib/config';
import { LAPSE_AT, LAPSE_INDEX_NAME, LAPSE_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE, customerTableDefinition } from '../../lib/store/table-design';
import { synthesizeOverture } from './synthesize';

const prodContext = {
  'overture:environment': 'prod',
  'overture:fromAddress': 'hello@mail.example.com',
  'overture:sendingIdentity': 'mail.example.com',
  'overture:smsOriginationIdentity': 'pool-0123',
  'overture:publicBaseUrl': 'https://preferences.example.com',
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

describe('configuration', () => {
  it('fails when prod is synthesized without a From address, naming the context key', () => {
    const { 'overture:fromAddress': _omitted, ...context } = prodContext;
    const app = new App({ context });
    expect(() => readConfig((key) => app.node.tryGetContext(key))).toThrow(
      new InvalidConfigError('Invalid Overture configuration: context "overture:fromAddress": Invalid input: expected string, received undefined'),
    );
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
