/**
 * The launcher's ResultWriter as the local runtime reads it from the synthesized template: its
 * bucket, its Prefix (a JSONata field, evaluated per launch) and its transformation; and a
 * ResultWriter whose results the local runtime cannot write as AWS writes them is refused when the
 * template is read, not imitated.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { localResources, TemplateResolutionError, type CfnTemplate } from '../../lib/local/template';
import { synthesizeOverture, type SynthesizedOverture } from '../cdk/synthesize';
import { logicalIdOf } from '../cdk/template-queries';

let synthesized: SynthesizedOverture;
beforeAll(() => {
  synthesized = synthesizeOverture();
});

/** The synthesized template, its launcher's definition edited by `edit` (a text replacement). */
function templateWith(template: Template, edit: (definition: string) => string = (definition) => definition): CfnTemplate {
  const json = template.toJSON() as CfnTemplate;
  const id = logicalIdOf(synthesized.stack, synthesized.stack.launcher.stateMachine);
  const launcher = json.Resources[id];
  const joined = (launcher?.Properties?.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const parts = joined[1].map((part) => (typeof part === 'string' ? edit(part) : part));
  return { Resources: { ...json.Resources, [id]: { ...launcher, Type: 'AWS::StepFunctions::StateMachine', Properties: { ...launcher?.Properties, DefinitionString: { 'Fn::Join': [joined[0], parts] } } } } };
}

/** The local resources of one template. */
function resourcesOf(template: CfnTemplate) {
  return localResources({ outdir: 'unused', templates: new Map([['Overture-test', template]]) });
}

describe("the launcher's ResultWriter, read from the template", () => {
  it('names the audience bucket, the launch-results/<launch id> prefix and COMPACT results, and labels Map Runs with the state name', async () => {
    // Act
    const [launcher] = resourcesOf(templateWith(synthesized.template)).launchers;

    // Assess
    expect(launcher?.mapLabel).toBe('StartJourneys');
    expect(launcher?.resultWriter).toMatchObject({ bucketLogicalId: logicalIdOf(synthesized.stack, synthesized.stack.launcher.bucket), transformation: 'COMPACT' });
    await expect(launcher?.resultWriter?.prefix?.({ input: {}, context: { Execution: { Name: 'spring-2026' } } })).resolves.toBe('launch-results/spring-2026');
  });

  it.each([
    ['writes the children\'s executions (Transformation NONE)', (definition: string) => definition.replace('"Transformation":"COMPACT"', '"Transformation":"NONE"'), /Transformation is NONE/],
    ['writes JSON Lines', (definition: string) => definition.replace('"OutputType":"JSON"', '"OutputType":"JSONL"'), /OutputType is JSONL/],
    [
      'writes to a bucket the template does not define',
      (definition: string) => definition.replace(':states:::s3:putObject","Arguments":{"Bucket":"', ':states:::s3:putObject","Arguments":{"Bucket":"elsewhere","Was":"'),
      /Bucket is "elsewhere"/,
    ],
  ])('refuses a launcher whose ResultWriter %s', (_, edit, message) => {
    // Act & Assess
    expect(() => resourcesOf(templateWith(synthesized.template, edit))).toThrow(TemplateResolutionError);
    expect(() => resourcesOf(templateWith(synthesized.template, edit))).toThrow(message);
  });
});
