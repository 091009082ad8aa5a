/**
 * The CloudWatch metrics namespace of every Overture function, in a module of its own so the CDK
 * constructs can name it without loading Powertools.
 */
export const METRICS_NAMESPACE = 'Overture';
