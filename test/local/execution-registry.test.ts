/**
 * The local execution registry after a kill cut its last line short: the records before it stand,
 * and the next record appended is read back too.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LocalStepFunctions, readExecutionRegistry, type ExecutionRecord } from '../../lib/local/step-functions';
import { temporaryDataDir } from './support';

const record = (name: string): ExecutionRecord => ({
  name,
  stateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:welcome',
  input: '{"customerId":"c-1"}',
  status: 'RUNNING',
  startDate: '2026-03-02T09:00:00.000Z',
});

describe('the execution registry after a kill mid-write', () => {
  it('keeps the whole records and reads back the next one appended', async () => {
    // Prepare: one whole record, then half of another, as a kill mid-append leaves them.
    const file = path.join(temporaryDataDir('registry'), 'executions.jsonl');
    const whole = JSON.stringify(record('welcome-c-1-a'));
    writeFileSync(file, `${whole}\n${whole.slice(0, 40)}`);

    // Act: the next start loads the registry, then records a new execution as it always appends.
    const loaded = await new LocalStepFunctions({ now: () => new Date('2026-03-02T10:00:00Z'), registryFile: file }).loadRegistry();
    appendFileSync(file, `${JSON.stringify(record('welcome-c-2-a'))}\n`);

    // Assess
    expect(loaded.map((execution) => execution.name)).toEqual(['welcome-c-1-a']);
    expect((await readExecutionRegistry(file)).map((execution) => execution.name)).toEqual(['welcome-c-1-a', 'welcome-c-2-a']);
  });
});
