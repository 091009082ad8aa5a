import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENVIRONMENT_VARIABLES } from '../ingest/environments';
import { journeyRoutesVariable, routesOf, type JourneyRoute } from '../ingest/journey-routes';
import type { Journey } from '../journeys/format';
import { JourneyStateMachine } from '../journeys/journey-state-machine';
import { TABLE_ACCESS, type CustomerData } from './customer-data';
import { OvertureFunction } from './overture-function';

/** Props of {@link Journeys}. */
export interface JourneysProps {
  /** The journeys to deploy, each compiled to one state machine. */
  readonly journeys: readonly Journey[];
  /** The customer table. */
  readonly data: CustomerData;
  /** The send function every Send step invokes. */
  readonly sendFunction: IFunction;
  /** How long function and execution logs are kept. */
  readonly logRetention: RetentionDays;
  /** The environment name, part of the state machine names. */
  readonly environment: string;
}

/**
 * The journeys: one Step Functions Standard state machine per journey (`JourneyStateMachine`),
 * logging errors without execution data and traced with X-Ray, and the two functions their steps
 * invoke besides send — waitForEvent (stores task tokens, and resumes a wait whose event came
 * before its token was stored) and journeyEffects (branches, waits, stages, goals, exits).
 */
export class Journeys extends Construct {
  /** Stores the task token of each waitForEvent step; may return it at once (SendTaskSuccess). */
  public readonly waitForEventFunction: OvertureFunction;
  /** Buckets, branches, computed waits, stage changes, goals and exits. */
  public readonly journeyEffectsFunction: OvertureFunction;
  /** Execution logs of every journey (level ERROR, no execution data). */
  public readonly logGroup: LogGroup;
  /** The state machine of each journey, by journey id. */
  public readonly machines: ReadonlyMap<string, JourneyStateMachine>;
  private readonly starterFunctions: OvertureFunction[] = [];
  /** `overture-<environment>-`: every journey state machine's name is this and the journey id. */
  private readonly stateMachineNamePrefix: string;

  constructor(scope: Construct, id: string, props: JourneysProps) {
    super(scope, id);
    this.stateMachineNamePrefix = `overture-${props.environment}-`;
    this.waitForEventFunction = new OvertureFunction(this, 'WaitForEventFunction', {
      entry: 'functions/wait-for-event/index.ts',
      serviceName: 'wait-for-event',
      description: 'Stores the task token of a journey waiting for a customer event, or returns it if the event already came',
      logRetention: props.logRetention,
      timeout: Duration.seconds(10),
    });
    this.waitForEventFunction.bindCustomerTable(props.data, TABLE_ACCESS.eventWait);

    this.journeyEffectsFunction = new OvertureFunction(this, 'JourneyEffectsFunction', {
      entry: 'functions/journey-effects/index.ts',
      serviceName: 'journey-effects',
      description: 'Branches, splits, computed waits, stage changes, goals and exits of journeys',
      logRetention: props.logRetention,
      timeout: Duration.seconds(10),
    });
    this.journeyEffectsFunction.bindCustomerTable(props.data, TABLE_ACCESS.journeyEffects);

    // Vended-logs prefix: Step Functions log delivery then needs no resource policy per log group.
    this.logGroup = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/overture-${props.environment}-journeys`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const machines = new Map<string, JourneyStateMachine>();
    // Names, not generated ones: the functions rebuild each ARN from their shared prefix (bindRoutes).
    const stateMachineName = (journey: Journey) => `${this.stateMachineNamePrefix}${journey.id}`;
    for (const journey of props.journeys) {
      machines.set(
        journey.id,
        new JourneyStateMachine(this, pascalCase(journey.id), {
          journey,
          sendFunction: props.sendFunction,
          waitForEventFunction: this.waitForEventFunction,
          journeyEffectsFunction: this.journeyEffectsFunction,
          logGroup: this.logGroup,
          tracingEnabled: true,
          stateMachineName: stateMachineName(journey),
        }),
      );
    }
    this.machines = machines;

    // The state machines invoke this function, so its policy names them by ARN built from their
    // names: a reference to them would make the function depend on them and close a cycle.
    const journeyArns = props.journeys.map((journey) => `${this.stateMachineArnPrefix()}${journey.id}`);
    if (journeyArns.length > 0) {
      this.waitForEventFunction.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['states:SendTaskSuccess'], resources: journeyArns }));
    }
  }

  /** The state machine of `journeyId`. */
  public machine(journeyId: string): JourneyStateMachine {
    const machine = this.machines.get(journeyId);
    if (!machine) throw new Error(`journey "${journeyId}" is not deployed`);
    return machine;
  }

  /** The routes of every deployed journey (state machine ARNs as tokens). */
  public routes(): JourneyRoute[] {
    return routesOf(
      [...this.machines.values()].map((machine) => machine.journey),
      (journeyId) => this.machine(journeyId).stateMachine.stateMachineArn,
    );
  }

  /**
   * Gives a function the routes in `JOURNEY_ROUTES`, without any access to the state machines.
   * The routes go without their ARNs, which would fill Lambda's 4 KB of environment at about 15
   * journeys; `JOURNEY_STATE_MACHINE_ARN_PREFIX` gives the part every ARN shares, and the
   * function's environment schema adds each journey id to it (lib/ingest/environments.ts).
   */
  public bindRoutes(fn: OvertureFunction): void {
    fn.addEnvironment(ENVIRONMENT_VARIABLES.journeyRoutes, journeyRoutesVariable(this.routes()));
    fn.addEnvironment(ENVIRONMENT_VARIABLES.journeyStateMachineArnPrefix, this.stateMachineArnPrefix());
  }

  /** `arn:<partition>:states:<region>:<account>:stateMachine:overture-<environment>-`, with deploy-time tokens. */
  private stateMachineArnPrefix(): string {
    return Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.stateMachineNamePrefix,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /**
   * Gives a function the routes in `JOURNEY_ROUTES` and lets it start executions of every
   * journey (and, with `resume`, return task tokens to them). It may describe their executions
   * too: a start whose name another customer's entry holds reads whose it is (start-journey.ts).
   */
  public bindStarter(fn: OvertureFunction, options: { readonly resume?: boolean } = {}): void {
    this.starterFunctions.push(fn);
    this.bindRoutes(fn);
    fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['states:StartExecution'], resources: this.machineArns() }));
    fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['states:DescribeExecution'], resources: this.executionArns() }));
    if (options.resume) this.grantResume(fn);
  }

  /**
   * Lets a function return task tokens to executions of every journey, as for an event it observed
   * itself (lib/ingest/observed-event.ts). SendTaskSuccess only: a wait that sees no event times
   * out by itself.
   */
  public grantResume(fn: OvertureFunction): void {
    fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['states:SendTaskSuccess'], resources: this.machineArns() }));
  }

  /** The functions that start journey executions (bindStarter). */
  public get starters(): readonly OvertureFunction[] {
    return this.starterFunctions;
  }

  private machineArns(): string[] {
    return [...this.machines.values()].map((machine) => machine.stateMachine.stateMachineArn);
  }

  /** The ARNs of every execution of every journey. */
  private executionArns(): string[] {
    return [...this.machines.values()].map((machine) =>
      Stack.of(this).formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${machine.stateMachine.stateMachineName}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
  }
}

/** `win-back` → `WinBack`: construct ids of the journeys. */
export function pascalCase(id: string): string {
  return id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
