/**
 * The environment of each function this folder serves, as schemas (parsed once, at cold start,
 * by `readEnvironment`) and as the variable names the CDK constructs set.
 */
import * as z from '../schema/zod-mini';
import { JOURNEY_ROUTES_VARIABLE, JourneyRoutesSchema } from './journey-routes';

/** Environment variable names shared by the functions and the constructs that set them. */
export const ENVIRONMENT_VARIABLES = {
  customerTable: 'CUSTOMER_TABLE_NAME',
  journeyRoutes: JOURNEY_ROUTES_VARIABLE,
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  audienceBucket: 'AUDIENCE_BUCKET_NAME',
  launcherStateMachineArn: 'LAUNCHER_STATE_MACHINE_ARN',
} as const;

const tableName = z.string().check(z.minLength(1));

/** The ingest function: the table, the journeys it starts, where rejected events go. */
export const IngestEnvironmentSchema = z.object({
  CUSTOMER_TABLE_NAME: tableName,
  JOURNEY_ROUTES: JourneyRoutesSchema,
  DEAD_LETTER_QUEUE_URL: z.url(),
});

/** Functions that only read and write the customer table (waitForEvent, journeyEffects, feedback). */
export const TableEnvironmentSchema = z.object({ CUSTOMER_TABLE_NAME: tableName });

/** The launch worker: the table (entry records) and the journeys it starts. */
export const LaunchEnvironmentSchema = z.object({
  CUSTOMER_TABLE_NAME: tableName,
  JOURNEY_ROUTES: JourneyRoutesSchema,
});

/** The inactivity scan: the table it scans, the journeys, where audiences go and who launches them. */
export const InactivityScanEnvironmentSchema = z.object({
  CUSTOMER_TABLE_NAME: tableName,
  JOURNEY_ROUTES: JourneyRoutesSchema,
  AUDIENCE_BUCKET_NAME: z.string().check(z.minLength(3)),
  LAUNCHER_STATE_MACHINE_ARN: z.string().check(z.startsWith('arn:')),
});
