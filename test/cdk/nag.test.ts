import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NAG_REASONS } from '../../lib/constructs/nag-suppressions';
import { synthesizeOverture, type SynthesisOptions, type SynthesizedOverture } from './synthesize';

interface ValidationReport {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly violations: readonly { readonly ruleName: string; readonly violatingConstructs: readonly { readonly constructPath: string }[] }[];
  }[];
}

/** Synthesizes with cdk-nag's AwsSolutions pack and returns the findings as `rule construct-path` lines. */
function nagFindings(modify?: SynthesisOptions['modify']): {
  synthesized: SynthesizedOverture;
  findings: string[];
} {
  const synthesized = synthesizeOverture({
    // Report instead of throwing, so the test can show every finding.
    context: { '@aws-cdk/core:failSynthOnValidationErrors': false },
    plugins: (app) => [new AwsSolutionsChecks(app)],
    modify,
  });
  const report = JSON.parse(readFileSync(path.join(synthesized.assembly.directory, 'validation-report.json'), 'utf8')) as ValidationReport;
  const findings = report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) => violation.violatingConstructs.map((construct) => `${violation.ruleName} ${construct.constructPath}`)),
  );
  return { synthesized, findings };
}

let checked: ReturnType<typeof nagFindings>;
beforeAll(() => {
  checked = nagFindings();
});

describe('cdk-nag AwsSolutions checks', () => {
  it('find nothing that is not acknowledged', () => {
    expect(checked.findings).toEqual([]);
  });

  it('acknowledge each accepted finding with a written reason', () => {
    // Act
    const acknowledgments = checked.synthesized.stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));

    // Assess
    expect(acknowledgments.length).toBeGreaterThan(20);
    for (const [id, reason] of acknowledgments) {
      expect({ id, reason }).toEqual({ id, reason: expect.stringMatching(/^\S.{80,}\.$/s) });
    }
    expect(new Set(acknowledgments.map(([, reason]) => reason))).toEqual(new Set(Object.values(NAG_REASONS)));
  });

  it('report a finding nobody acknowledged (the check is live)', () => {
    // Act
    const { findings } = nagFindings((stack) => {
      new Queue(stack, 'UnencryptedQueue', { enforceSSL: false });
    });

    // Assess
    expect(findings).toEqual(expect.arrayContaining([expect.stringMatching(/^AwsSolutions-SQS\d+ Overture-test\/UnencryptedQueue\/Resource$/)]));
  });
});
