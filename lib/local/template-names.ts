/** Names shared by the synthesis (in its worker) and the runtime that reads the templates. */

/** The CDK context that skips bundling of every stack (NodejsFunction assets become placeholders). */
export const SKIP_BUNDLING_CONTEXT = { 'aws:cdk:bundling-stacks': [] as string[] };

/** The environment name of the local stack (the `overture:environment` context). */
export const LOCAL_ENVIRONMENT = 'local';

/** The name of the stack the local runtime synthesizes. */
export const LOCAL_STACK_NAME = `Overture-${LOCAL_ENVIRONMENT}`;

/** The companion stack holding journeys the Overture stack does not define. */
export const LOCAL_JOURNEYS_STACK_NAME = `Overture-${LOCAL_ENVIRONMENT}-journeys`;

/**
 * The sender's postal address of the local stack (the `overture:senderPostalAddress` context),
 * which its marketing emails print: an example, as the local stack's mail never leaves the machine.
 */
export const LOCAL_SENDER_POSTAL_ADDRESS = 'Overture Example Shop\n100 Main Street\nSpringfield, IL 62701\nUSA';
