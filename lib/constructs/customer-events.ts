import { Duration } from 'aws-cdk-lib';
import { Archive, EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routedEventNames } from '../ingest/customer-event';
import { ENVIRONMENT_VARIABLES } from '../ingest/environments';
import type { Journey } from '../journeys/format';
import { TABLE_ACCESS, type CustomerData } from './customer-data';
import type { Journeys } from './journeys';
import { OvertureFunction } from './overture-function';
import { DeadLetterQueue } from './secure-queues';

/** Props of {@link CustomerEvents}. */
export interface CustomerEventsProps {
  readonly environment: string;
  readonly data: CustomerData;
  /** The deployed journeys: the events they name are routed, and ingest starts and resumes them. */
  readonly journeys: Journeys;
  readonly journeyDefinitions: readonly Journey[];
  readonly logRetention: RetentionDays;
  /**
   * How long the bus archive keeps events for replay.
   * @default Duration.days(30)
   */
  readonly archiveRetention?: Duration;
}

/**
 * Customer events in: a custom EventBridge bus (archived for replay), one rule for the customer
 * event types and every event the journeys name, and the ingest function behind it. Events that
 * fail validation, EventBridge deliveries that fail, and invocations that fail after Lambda's
 * retries all end in one dead-letter queue.
 */
export class CustomerEvents extends Construct {
  /** The bus producers put customer events on. */
  public readonly bus: EventBus;
  /** Rejected events (with the reason) and failed deliveries. */
  public readonly deadLetters: DeadLetterQueue;
  /** Validates events, updates customers, resumes and starts journeys. */
  public readonly ingestFunction: OvertureFunction;
  /** The event names the rule routes to ingest (`detail-type`). */
  public readonly eventNames: readonly string[];

  constructor(scope: Construct, id: string, props: CustomerEventsProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: `overture-${props.environment}-customer-events`,
      description: 'Customer events: signed up, lead captured, order placed, consent changed…',
    });
    new Archive(this, 'Archive', {
      sourceEventBus: this.bus,
      eventPattern: { account: [this.bus.env.account] },
      retention: props.archiveRetention ?? Duration.days(30),
      description: 'Customer events kept for replay after an ingest fix',
    });

    this.deadLetters = new DeadLetterQueue(this, 'IngestDeadLetters', { purpose: 'customer events that could not be ingested' });
    this.ingestFunction = new OvertureFunction(this, 'IngestFunction', {
      entry: 'functions/ingest/index.ts',
      serviceName: 'ingest',
      description: 'Validates customer events, updates customers, resumes and starts journeys',
      logRetention: props.logRetention,
      timeout: Duration.seconds(30),
      deadLetterQueue: this.deadLetters.queue,
    });
    this.ingestFunction.bindCustomerTable(props.data, TABLE_ACCESS.ingest);
    this.ingestFunction.bindQueueForSending(this.deadLetters.queue, ENVIRONMENT_VARIABLES.deadLetterQueueUrl);
    props.journeys.bindStarter(this.ingestFunction, { resume: true });

    this.eventNames = routedEventNames(props.journeyDefinitions);
    new Rule(this, 'CustomerEventsToIngest', {
      eventBus: this.bus,
      description: 'Every customer event Overture knows, to the ingest function',
      eventPattern: { detailType: [...this.eventNames] },
      targets: [
        new LambdaFunction(this.ingestFunction, {
          deadLetterQueue: this.deadLetters.queue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }

  /** Lets a producer put customer events on the bus. */
  public grantPutEvents(grantee: IGrantable): Grant {
    return this.bus.grantPutEventsTo(grantee);
  }
}
