/**
 * The environment of each function this folder serves, as schemas (parsed once, at cold start,
 * by `readEnvironment`) and as the variable names the CDK constructs set.
 */
import * as z from '../schema/zod-mini';
import {
  JOURNEY_ROUTES_VARIABLE,
  JOURNEY_STATE_MACHINE_ARN_PREFIX_VARIABLE,
  JourneyRoutesSchema,
  routesWithArns,
  StateMachineArnPrefixSchema,
  type JourneyRoute,
  type RouteWithoutArn,
} from './journey-routes';

/** Environment variable names shared by the functions and the constructs that set them. */
export const ENVIRONMENT_VARIABLES = {
  customerTable: 'CUSTOMER_TABLE_NAME',
  journeyRoutes: JOURNEY_ROUTES_VARIABLE,
  journeyStateMachineArnPrefix: JOURNEY_STATE_MACHINE_ARN_PREFIX_VARIABLE,
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  audienceBucket: 'AUDIENCE_BUCKET_NAME',
  launcherStateMachineArn: 'LAUNCHER_STATE_MACHINE_ARN',
} as const;

const tableName = z.string().check(z.minLength(1));

/** The two variables the routes travel in: routes without ARNs, and the prefix of those ARNs. */
const routeVariables = {
  JOURNEY_ROUTES: JourneyRoutesSchema,
  JOURNEY_STATE_MACHINE_ARN_PREFIX: StateMachineArnPrefixSchema,
};

/**
 * `env` with each route's ARN rebuilt from the prefix, so the functions see whole routes and do
 * not know they travelled in two variables.
 */
function withRouteArns<Env extends { JOURNEY_ROUTES: RouteWithoutArn[]; JOURNEY_STATE_MACHINE_ARN_PREFIX: string }>(
  env: Env,
): Omit<Env, 'JOURNEY_ROUTES'> & { JOURNEY_ROUTES: JourneyRoute[] } {
  return { ...env, JOURNEY_ROUTES: routesWithArns(env.JOURNEY_ROUTES, env.JOURNEY_STATE_MACHINE_ARN_PREFIX) };
}

const IngestVariablesSchema = z.object({
  CUSTOMER_TABLE_NAME: tableName,
  ...routeVariables,
  DEAD_LETTER_QUEUE_URL: z.url(),
});
/** The ingest function: the table, the journeys it starts, where rejected events go. */
export const IngestEnvironmentSchema = z.pipe(
  IngestVariablesSchema,
  z.transform((env: z.output<typeof IngestVariablesSchema>) => withRouteArns(env)),
);

/** Functions that only read and write the customer table (waitForEvent, journeyEffects, feedback). */
export const TableEnvironmentSchema = z.object({ CUSTOMER_TABLE_NAME: tableName });

const LaunchVariablesSchema = z.object({ CUSTOMER_TABLE_NAME: tableName, ...routeVariables });
/** The launch worker: the table (entry records) and the journeys it starts. */
export const LaunchEnvironmentSchema = z.pipe(
  LaunchVariablesSchema,
  z.transform((env: z.output<typeof LaunchVariablesSchema>) => withRouteArns(env)),
);

const InactivityScanVariablesSchema = z.object({
  CUSTOMER_TABLE_NAME: tableName,
  ...routeVariables,
  AUDIENCE_BUCKET_NAME: z.string().check(z.minLength(3)),
  LAUNCHER_STATE_MACHINE_ARN: z.string().check(z.startsWith('arn:')),
});
/** The inactivity scan: the table it scans, the journeys, where audiences go and who launches them. */
export const InactivityScanEnvironmentSchema = z.pipe(
  InactivityScanVariablesSchema,
  z.transform((env: z.output<typeof InactivityScanVariablesSchema>) => withRouteArns(env)),
);
