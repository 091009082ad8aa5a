import { Duration } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { TABLE_ACCESS, type CustomerData } from './customer-data';
import { OvertureFunction } from './overture-function';
import { DeadLetterQueue } from './secure-queues';

/** The `detail-type`s SES gives bounce and complaint events on EventBridge. */
export const SES_FEEDBACK_DETAIL_TYPES = ['Email Bounced', 'Email Complaint Received'] as const;

/** Props of {@link DeliveryFeedback}. */
export interface DeliveryFeedbackProps {
  readonly data: CustomerData;
  /** Only events of mail sent through this configuration set are Overture's. */
  readonly configurationSetName: string;
  /** The topic the SMS configuration set publishes its failure events to (`Delivery.smsFeedbackTopic`). */
  readonly smsFeedbackTopic: ITopic;
  readonly logRetention: RetentionDays;
}

/**
 * Feedback from the inboxes and the carriers: SES publishes the configuration set's bounce and
 * complaint events to the default bus, and a rule sends them to the feedback function, which
 * suppresses email for hard bounces and complaints and withdraws the topic's consent on a
 * complaint. End User Messaging publishes the SMS configuration set's failure events to the SMS
 * feedback topic, to which the same function is subscribed: it suppresses SMS and withdraws the
 * topic's SMS consent when the number is invalid or blocks texts, and counts every failure by type.
 */
export class DeliveryFeedback extends Construct {
  /** Turns bounces, complaints and permanent SMS failures into suppressions and ledger entries. */
  public readonly feedbackFunction: OvertureFunction;
  /** Feedback events that could not be applied. */
  public readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: DeliveryFeedbackProps) {
    super(scope, id);
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', { purpose: 'SES and SMS feedback that could not be applied' });
    this.feedbackFunction = new OvertureFunction(this, 'FeedbackFunction', {
      entry: 'functions/feedback/index.ts',
      serviceName: 'feedback',
      description: 'SES bounces and complaints, SMS delivery failures to suppressions and consent-ledger entries',
      logRetention: props.logRetention,
      timeout: Duration.seconds(10),
      deadLetterQueue: this.deadLetters.queue,
    });
    this.feedbackFunction.bindCustomerTable(props.data, TABLE_ACCESS.feedback);

    new Rule(this, 'SesFeedbackToFunction', {
      eventBus: EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      description: 'Bounces and complaints of Overture mail, to the feedback function',
      eventPattern: {
        source: ['aws.ses'],
        detailType: [...SES_FEEDBACK_DETAIL_TYPES],
        detail: { mail: { tags: { 'ses:configuration-set': [props.configurationSetName] } } },
      },
      targets: [
        new LambdaFunction(this.feedbackFunction, {
          deadLetterQueue: this.deadLetters.queue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    // SNS invokes the function asynchronously: a failed delivery dead-letters on the subscription,
    // a failed invocation (a malformed event) on the function, both into the same queue.
    props.smsFeedbackTopic.addSubscription(new LambdaSubscription(this.feedbackFunction, { deadLetterQueue: this.deadLetters.queue }));
  }
}
