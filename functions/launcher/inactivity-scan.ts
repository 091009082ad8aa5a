/**
 * The daily inactivity scan (EventBridge Scheduler): finds lapsed customers and launches the
 * inactivity journeys (win-back) for them. Wiring only; the work is `scanForInactivity`
 * (lib/ingest/inactivity-scan.ts, which also explains the Scan trade-off).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { InactivityScanEnvironmentSchema } from '../../lib/ingest/environments';
import { scanForInactivity, type InactivityLaunch } from '../../lib/ingest/inactivity-scan';
import { readEnvironment } from '../../lib/runtime/environment';
import { observability, observedHandler } from '../../lib/runtime/observability';

const tools = observability('inactivity-scan');
const env = readEnvironment(InactivityScanEnvironmentSchema);
const ports = {
  dynamodb: new DynamoDBClient({}),
  tableName: env.CUSTOMER_TABLE_NAME,
  s3: new S3Client({}),
  audienceBucket: env.AUDIENCE_BUCKET_NAME,
  sfn: new SFNClient({}),
  launcherArn: env.LAUNCHER_STATE_MACHINE_ARN,
  routes: env.JOURNEY_ROUTES,
  now: () => new Date(),
};

/** Scans once and launches what it finds. */
export async function scan(): Promise<InactivityLaunch[]> {
  const launches = await scanForInactivity(ports);
  for (const launch of launches) {
    if (launch.outcome === 'launched') {
      tools.metrics.singleMetric().addDimension('journey', launch.journey).addMetric('inactive_customers', MetricUnit.Count, launch.lapsed);
    }
    tools.logger.info('inactivity scan', { ...launch });
  }
  return launches;
}

export const handler = observedHandler(tools, scan);
