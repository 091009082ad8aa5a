// ajv (draft 2020-12) comes with the dev tooling (asl-validator depends on it).
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { reportJsonSchema, scenarioJsonSchema } from '../../lib/scenario/json-schema';
import { contractScenarioJson, sharedScenarioJson, LADDER_JOURNEY } from './fixtures';

function validatorOf(schema: Record<string, unknown>) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('scenarioJsonSchema', () => {
  it('is a valid JSON Schema of draft 2020-12', () => {
    // Prepare
    const ajv = new Ajv2020({ strict: false });
    const schema = scenarioJsonSchema();

    // Act
    const valid = ajv.validateSchema(schema);

    // Assess
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('accepts the shared scenario file and the contract example', () => {
    // Prepare
    const validate = validatorOf(scenarioJsonSchema());

    // Act
    const shared = validate(sharedScenarioJson());
    const sharedErrors = validate.errors;
    const example = validate(contractScenarioJson());

    // Assess
    expect(sharedErrors ?? []).toEqual([]);
    expect(shared).toBe(true);
    expect(example).toBe(true);
  });

  it('accepts a scenario with an inline journey', () => {
    // Prepare
    const validate = validatorOf(scenarioJsonSchema());

    // Act
    const valid = validate({ ...sharedScenarioJson(), journeys: ['welcome', LADDER_JOURNEY] });

    // Assess
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects a scenario with an unknown event type or a misspelt field', () => {
    // Prepare
    const validate = validatorOf(scenarioJsonSchema());
    const json = contractScenarioJson();

    // Act
    const badType = validate({ ...json, events: [{ at: '2026-03-03T10:00:00Z', customerId: 'c-001', type: 'purchase' }] });
    const badField = validate({ ...json, customers: [{ ...json.customers[0], timezon: 'UTC' }] });

    // Assess
    expect(badType).toBe(false);
    expect(badField).toBe(false);
  });
});

describe('reportJsonSchema', () => {
  it('is a valid JSON Schema of draft 2020-12 that accepts the contract example and rejects an unknown reason', () => {
    // Prepare
    const ajv = new Ajv2020({ strict: false });
    const schema = reportJsonSchema();
    const validate = validatorOf(schema);
    const example = {
      messages: [
        { customerId: 'c-001', journey: 'welcome', execution: 'welcome-c-001-signed_up-1', step: 'welcome-email', channel: 'email', topic: 'marketing', at: '2026-03-02T22:00:00Z' },
      ],
      skipped: [{ customerId: 'c-001', journey: 'welcome', execution: 'welcome-c-001-signed_up-1', step: 'tips-email', reason: 'no_consent', at: '2026-03-09T22:00:00Z' }],
      customers: [{ id: 'c-001', stage: 'new_customer' }],
      summary: { messages: 1, skipped: 1, byChannel: { email: 1 }, byReason: { no_consent: 1 } },
    };

    // Act
    const schemaValid = ajv.validateSchema(schema);
    const exampleValid = validate(example);
    const badValid = validate({ ...example, skipped: [{ ...example.skipped[0], reason: 'bored' }] });

    // Assess
    expect(schemaValid).toBe(true);
    expect(exampleValid).toBe(true);
    expect(badValid).toBe(false);
  });
});
