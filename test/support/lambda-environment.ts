/**
 * The environment a handler test loads a Lambda entry in. The handlers read their environment
 * once, at load, as in Lambda, and the SDK reads endpoint overrides (`AWS_ENDPOINT_URL_…`) from it.
 */

/** What every handler test sets: a region, placeholder credentials, Powertools quiet. */
export const LOCAL_LAMBDA_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
} as const;

/**
 * Sets {@link LOCAL_LAMBDA_ENVIRONMENT} and `variables` in `process.env`, before the test imports
 * the handler; returns the function that puts the previous environment back.
 */
export function useLambdaEnvironment(variables: Record<string, string>): () => void {
  const saved = { ...process.env };
  Object.assign(process.env, LOCAL_LAMBDA_ENVIRONMENT, variables);
  return () => {
    process.env = saved;
  };
}
