#!/usr/bin/env node
/** The CDK app: `npx cdk synth` / `npx cdk deploy`. Settings come from CDK context (see README). */
import { App } from 'aws-cdk-lib';
import { OvertureStack } from '../lib/overture-stack';
import { readConfig } from '../lib/config';

const app = new App();
const config = readConfig((key) => app.node.tryGetContext(key));
new OvertureStack(app, `Overture-${config.environment}`, {
  config,
  description: 'Overture: permission-first customer journey orchestration',
});
app.synth();
