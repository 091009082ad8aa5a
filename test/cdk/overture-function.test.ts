import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LAMBDA_DATA_FILES } from '../../lib/constructs/bundling/lambda-bundling';
import { OvertureFunction } from '../../lib/constructs/overture-function';

/** One function synthesized with real bundling (the local esbuild; Docker is never used). */
function bundledFunction(): { bundleDir: string; template: Template } {
  const app = new App();
  const stack = new Stack(app, 'Bundling');
  new OvertureFunction(stack, 'Probe', {
    entry: 'functions/wait-for-event/index.ts',
    serviceName: 'probe',
    description: 'bundling probe',
    logRetention: RetentionDays.ONE_WEEK,
    bundledFolders: [{ from: 'workflows/templates', to: 'templates' }],
  });
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  // The stack's only asset is the function's bundle.
  const [assetDir = ''] = readdirSync(assembly.directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name.startsWith('asset.'))
    .map((entry) => entry.name);
  return { bundleDir: path.join(assembly.directory, assetDir), template };
}

let bundled: ReturnType<typeof bundledFunction>;
beforeAll(() => {
  bundled = bundledFunction();
});

describe('OvertureFunction bundling', () => {
  it('writes one minified CommonJS file with a linked source map and copies the bundled folders and data files beside it', () => {
    // Act
    const files = readdirSync(bundled.bundleDir).sort();
    const code = readFileSync(path.join(bundled.bundleDir, 'index.js'), 'utf8');

    // Assess
    expect(files).toEqual(['index.js', 'index.js.map', 'node_modules', 'templates']);
    expect(code.trimEnd().endsWith('//# sourceMappingURL=index.js.map')).toBe(true);
    expect(code.split('\n').length).toBeLessThan(200);
    expect(readdirSync(path.join(bundled.bundleDir, 'templates')).sort()).toEqual(readdirSync(path.resolve(__dirname, '../../workflows/templates')).sort());
  });

  it('leaves the AWS SDK to the runtime and zod\'s locales out', () => {
    // Act
    const code = readFileSync(path.join(bundled.bundleDir, 'index.js'), 'utf8');

    // Assess
    expect(code).toContain('require("@aws-sdk/client-dynamodb")');
    expect(code).toContain('require("@aws-sdk/client-sfn")');
    expect(code).not.toContain('DynamoDBServiceException');
    expect(code).not.toContain('Ungültige Eingabe');
  });

  it('ships each data file where a require from the bundle finds it, and only those files', () => {
    // Act
    const shipped = LAMBDA_DATA_FILES.map((file) => require.resolve(file.module, { paths: [bundled.bundleDir] }));

    // Assess
    expect(shipped).toEqual(LAMBDA_DATA_FILES.map((file) => path.join(bundled.bundleDir, file.to)));
    shipped.forEach((file, index) => {
      expect(readFileSync(file)).toEqual(readFileSync(path.resolve(__dirname, '../..', LAMBDA_DATA_FILES[index]?.from ?? '')));
    });
    expect(readdirSync(path.join(bundled.bundleDir, 'node_modules'))).toEqual(['libphonenumber-js']);
  });

  it('runs Node 22 on ARM64, traced, with its own log group and role', () => {
    bundled.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
      Timeout: 30,
      MemorySize: 1024,
    });
    bundled.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });
});
