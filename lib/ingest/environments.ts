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

type RouteVariables = z.output<z.ZodMiniObject<typeof routeVariables>>;

/**
 * `env` with each route's ARN rebuilt from the prefix, so the functions see whole routes and do
 * not know they travelled in two variables.
 */
function withRouteArns<Env extends RouteVariables>(
  env: Env,
): Omit<Env, 'JOURNEY_ROUTES'> & { JOURNEY_ROUTES: JourneyRoute[] } {
  return { ...env, JOURNEY_ROUTES: routesWithArns(env.JOURNEY_ROUTES, env.JOURNEY_STATE_MACHINE_ARN_PREFIX) };
}

/** An environment of `shape` and the route variables, whose routes come out whole (withRouteArns). */
function withRoutes<Shape extends z.core.$ZodShape>(shape: Shape) {
  const variables = z.object({ ...shape, ...routeVariables });
  return z.pipe(
    variables,
    // The spread's type is generic in Shape, which TypeScript cannot see holds the route variables.
    z.transform((env: z.output<typeof variables>) => withRouteArns(env as z.output<typeof variables> & RouteVariables)),
  );
}

/** The ingest function: the table, the journeys it starts, where rejected events go. */
export const IngestEnvironmentSchema = withRoutes({ CUSTOMER_TABLE_NAME: tableName, DEAD_LETTER_QUEUE_URL: z.url() });

/** Functions that only read and write the customer table (waitForEvent, journeyEffects, feedback). */
export const TableEnvironmentSchema = z.object({ CUSTOMER_TABLE_NAME: tableName });

/** The launch worker: the table (entry records) and the journeys it starts. */
export const LaunchEnvironmentSchema = withRoutes({ CUSTOMER_TABLE_NAME: tableName });

/** The inactivity scan: the table it scans, the journeys, where audiences go and who launches them. */
export const InactivityScanEnvironmentSchema = withRoutes({
  CUSTOMER_TABLE_NAME: tableName,
  AUDIENCE_BUCKET_NAME: z.string().check(z.minLength(3)),
  LAUNCHER_STATE_MACHINE_ARN: z.string().check(z.startsWith('arn:')),
});
