import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { readConfig } from '../../lib/config';
import { CustomerData } from '../../lib/constructs/customer-data';
import { Delivery } from '../../lib/constructs/delivery';
import { PROJECT_ROOT } from '../../lib/constructs/overture-function';
import { readTemplateCatalog, TemplateCatalogError } from '../../lib/templates';
import { catalogFolder, PLAIN_EMAIL } from '../templates/fixtures';
import { TEST_CONTEXT } from './synthesize';

/** Builds the Delivery construct on the templates in `folder` (bundling skipped, as in every CDK test). */
function deliveryOn(folder: string): Delivery {
  const app = new App({ context: TEST_CONTEXT });
  const stack = new Stack(app, 'Templates');
  const config = readConfig((key) => app.node.tryGetContext(key));
  const data = new CustomerData(stack, 'CustomerData');
  return new Delivery(stack, 'Delivery', { config, data, logRetention: RetentionDays.ONE_WEEK, templatesDir: path.relative(PROJECT_ROOT, folder) });
}

describe('Delivery templates', () => {
  it('stops synth when a template prints a variable the data model cannot supply, naming the template and the variable', () => {
    // Prepare
    const folder = catalogFolder({ hello: { ...PLAIN_EMAIL, 'email.text.liquid': 'Hello {{ customer.shoeSize }}\n{{ unsubscribeUrl }}' } });

    // Act
    const synth = () => deliveryOn(folder);

    // Assess
    expect(synth).toThrow(TemplateCatalogError);
    expect(synth).toThrow(/template "hello".*customer\.shoeSize/s);
  });

  it('leaves the check to synth: readTemplateCatalog, which the send function uses, reads the same folder without it', () => {
    // Prepare
    const folder = catalogFolder({ hello: { ...PLAIN_EMAIL, 'email.text.liquid': 'Hello {{ customer.shoeSize }}\n{{ unsubscribeUrl }}' } });

    // Act
    const catalog = readTemplateCatalog(folder);

    // Assess
    expect(catalog.ids()).toEqual(['hello']);
  });
});
