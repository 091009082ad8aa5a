import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** The End User Messaging service principal, which publishes configuration-set events and inbound texts. */
export const SMS_VOICE_SERVICE = 'sms-voice.amazonaws.com';

/** Props of {@link smsVoiceTopic}. */
export interface SmsVoiceTopicProps {
  /** Construct id of the topic's key (a contract: it names the key's logical id). */
  readonly keyId: string;
  /** Description of the key. */
  readonly keyDescription: string;
  /** Construct id of the topic (a contract: operators set its ARN outside the stack). */
  readonly topicId: string;
  /** Display name of the topic. */
  readonly displayName: string;
  /**
   * The End User Messaging resources that may publish (`aws:SourceArn`, ArnLike).
   * @default - any End User Messaging resource of this account and region
   */
  readonly publisherArn?: string;
}

/**
 * An encrypted, TLS-only topic End User Messaging publishes to, in this account only. Without
 * `aws:SourceAccount` and `aws:SourceArn` on the topic policy and on the key grant, any account
 * could point its own number or configuration set at the topic (the confused deputy AWS's
 * two-way SMS guide warns of), and its messages would reach the subscriber as ours.
 */
export function smsVoiceTopic(scope: Construct, props: SmsVoiceTopicProps): Topic {
  const stack = Stack.of(scope);
  const sameAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };
  const anySmsVoiceResource = stack.formatArn({ service: 'sms-voice', resource: '*' });
  const key = new Key(scope, props.keyId, { description: props.keyDescription, enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
  // End User Messaging publishes to an encrypted topic only if it may use the topic's key.
  key.grant(
    new ServicePrincipal(SMS_VOICE_SERVICE).withConditions({ ...sameAccount, ArnLike: { 'aws:SourceArn': anySmsVoiceResource } }),
    'kms:GenerateDataKey',
    'kms:Decrypt',
  );
  const topic = new Topic(scope, props.topicId, { displayName: props.displayName, masterKey: key, enforceSSL: true });
  // A resource-policy statement rather than `grantPublish`, which would also grant the key's
  // `kms:GenerateDataKey*` wildcard without conditions; the key grant above names its two actions.
  topic.addToResourcePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal(SMS_VOICE_SERVICE)],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { ...sameAccount, ArnLike: { 'aws:SourceArn': props.publisherArn ?? anySmsVoiceResource } },
    }),
  );
  return topic;
}
