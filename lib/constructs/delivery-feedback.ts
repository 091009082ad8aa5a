import { Duration } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
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
  readonly logRetention: RetentionDays;
}

/**
 * Feedback from the inboxes: SES publishes the configuration set's bounce and complaint events
 * to the default bus; a rule sends them to the feedback function, which suppresses email for hard
 * bounces and complaints and withdraws the topic's consent on a complaint.
 */
export class DeliveryFeedback extends Construct {
  /** Turns bounces and complaints into suppressions and ledger entries. */
  public readonly feedbackFunction: OvertureFunction;
  /** Feedback events that could not be applied. */
  public readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: DeliveryFeedbackProps) {
    super(scope, id);
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', { purpose: 'SES feedback that could not be applied' });
    this.feedbackFunction = new OvertureFunction(this, 'FeedbackFunction', {
      entry: 'functions/feedback/index.ts',
      serviceName: 'feedback',
      description: 'SES bounces and complaints to suppressions and consent-ledger entries',
      logRetention: props.logRetention,
      timeout: Duration.seconds(10),
      deadLetterQueue: this.deadLetters.queue,
    });
    this.feedbackFunction.bindCustomerTable(props.data, TABLE_ACCESS.putOnly);

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
  }
}
