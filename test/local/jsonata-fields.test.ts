/**
 * The JSONata fields of the launcher's Map state, evaluated as Step Functions evaluates them: an
 * expression that returns nothing fails with `States.QueryEvaluationError`, literals stay as they
 * are, and the ItemSelector of the synthesized launcher keeps a row's customer id and entry key,
 * nothing else.
 */
import { compileJsonataField, JsonataSyntaxError, QueryEvaluationError, type JsonataField, type StatesVariable } from '../../lib/local/jsonata-fields';
import { synthesizeOverture } from '../cdk/synthesize';
import { logicalIdOf, stateMachineDefinitions } from '../cdk/template-queries';

/** `$states` inside the Map's ItemSelector for one CSV row. */
function ofRow(row: Record<string, string>): StatesVariable {
  return { input: { journey: 'flash-sale', audienceKey: 'launches/a.csv' }, context: { Execution: { Name: 'spring' }, Map: { Item: { Index: 0, Value: row } } } };
}

/** The ItemSelector of the synthesized launcher's Map state. */
let itemSelector: JsonataField;
beforeAll(() => {
  const { stack, template } = synthesizeOverture();
  const launcher = stateMachineDefinitions(template).get(logicalIdOf(stack, stack.launcher.stateMachine)) as { States: { StartJourneys: { ItemSelector: unknown } } };
  itemSelector = compileJsonataField(launcher.States.StartJourneys.ItemSelector, 'ItemSelector');
});

describe('compileJsonataField', () => {
  it.each([
    ['a row of a file without the entryKey column', { customerId: 'c-1' }, { customerId: 'c-1', entryKey: '' }],
    ['a row that leaves its entry key empty', { customerId: 'c-1', entryKey: '' }, { customerId: 'c-1', entryKey: '' }],
    ['a row with an entry key', { customerId: 'c-1', entryKey: 'spring-2026' }, { customerId: 'c-1', entryKey: 'spring-2026' }],
    ['a row with other columns', { email: 'someone@example.com', customerId: 'c-1', segment: 'vip' }, { customerId: 'c-1', entryKey: '' }],
  ])('selects the customer id and the entry key of %s, and nothing else', async (_, row, expected) => {
    // Act
    const item = await itemSelector(ofRow(row));

    // Assess
    expect(item).toStrictEqual(expected);
  });

  it('fails with States.QueryEvaluationError, naming the field, when an expression returns nothing', async () => {
    // Act
    const selecting = itemSelector(ofRow({ customer: 'c-1', entryKey: 'spring-2026' }));

    // Assess
    await expect(selecting).rejects.toThrow(QueryEvaluationError);
    await expect(selecting).rejects.toMatchObject({ name: 'States.QueryEvaluationError', message: expect.stringContaining("'ItemSelector.customerId' returned nothing") });
  });

  it('fails with States.QueryEvaluationError when an expression throws', async () => {
    // Prepare
    const field = compileJsonataField({ count: '{% $number($states.input.journey) %}' }, 'BatchInput');

    // Act
    const evaluating = field(ofRow({}));

    // Assess
    await expect(evaluating).rejects.toMatchObject({ name: 'States.QueryEvaluationError', message: expect.stringContaining("'BatchInput.count' threw an error") });
  });

  it('evaluates the context object and keeps strings, numbers, booleans and null that are not expressions', async () => {
    // Prepare
    const field = compileJsonataField({ launchId: '{% $states.context.Execution.Name %}', label: 'plain {% text', size: 3, on: true, none: null, list: ['{% $states.input.journey %}'] }, 'BatchInput');

    // Act
    const value = await field(ofRow({}));

    // Assess
    expect(value).toStrictEqual({ launchId: 'spring', label: 'plain {% text', size: 3, on: true, none: null, list: ['flash-sale'] });
  });

  it('refuses, when compiled, an expression that does not parse', () => {
    // Act
    const compiling = () => compileJsonataField({ customerId: '{% $states.context.Map.Item.Value. %}' }, 'ItemSelector');

    // Assess
    expect(compiling).toThrow(JsonataSyntaxError);
    expect(compiling).toThrow(/'ItemSelector\.customerId'/);
  });
});
