/**
 * Synthesizes the Overture stack for assertion tests: once per test file (call it in `beforeAll`),
 * with Lambda bundling skipped (`aws:cdk:bundling-stacks: []`, so no esbuild run) and the same
 * CloudFormation validation flag as `cdk.json`.
 */
import { App, type IPolicyValidationPlugin, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { readConfig } from '../../lib/config';
import type { Journey } from '../../lib/journeys/format';
import { OvertureStack } from '../../lib/overture-stack';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

/**
 * The context `cdk.json` gives every synth, plus no bundling and the sender's postal address,
 * which every deployment must give (`overture:senderPostalAddress`).
 */
export const TEST_CONTEXT = {
  '@aws-cdk/core:validateAgainstDefaultRules': true,
  'overture:senderPostalAddress': TEST_SENDER_POSTAL_ADDRESS,
  'aws:cdk:bundling-stacks': [],
} as const;

/** A synthesized stack and what tests read from it. */
export interface SynthesizedOverture {
  readonly app: App;
  readonly stack: OvertureStack;
  readonly template: Template;
  readonly assembly: CloudAssembly;
}

/** Options of {@link synthesizeOverture}. */
export interface SynthesisOptions {
  /** Extra CDK context (`overture:*` keys). */
  readonly context?: Record<string, unknown>;
  readonly journeys?: readonly Journey[];
  /** Validation plugins, e.g. cdk-nag's AwsSolutionsChecks (given the app). */
  readonly plugins?: (app: App) => IPolicyValidationPlugin[];
  /** Changes the stack before synthesis (e.g. adds a resource a check must catch). */
  readonly modify?: (stack: OvertureStack) => void;
}

/** Synthesizes the stack as `npx cdk synth` does, minus bundling. */
export function synthesizeOverture(options: SynthesisOptions = {}): SynthesizedOverture {
  const app = new App({ context: { ...TEST_CONTEXT, ...options.context } });
  if (options.plugins) Validations.of(app).addPlugins(...options.plugins(app));
  const config = readConfig((key) => app.node.tryGetContext(key));
  const stack = new OvertureStack(app, 'Overture-test', { config, journeys: options.journeys });
  options.modify?.(stack);
  const assembly = app.synth();
  return { app, stack, template: Template.fromStack(stack), assembly };
}
