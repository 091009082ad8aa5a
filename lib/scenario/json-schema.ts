/**
 * The JSON Schemas of the scenario and report files (`overture schema scenario|report`), derived
 * from the zod schemas so that there is one definition of each file.
 *
 * They describe the files as written (zod's input side), in JSON Schema draft 2020-12. Checks that
 * JSON Schema cannot state — a time zone being known, `until` after `start`, events naming
 * customers of the file — are made by `parseScenario` only.
 */
import * as z from 'zod';
import { ReportSchema } from './report';
import { ScenarioSchema } from './scenario';

/** A JSON Schema document (draft 2020-12). */
export type JsonSchemaDocument = Record<string, unknown>;

/** The JSON Schema of a scenario file. */
export function scenarioJsonSchema(): JsonSchemaDocument {
  return withTitle(z.toJSONSchema(ScenarioSchema, { target: 'draft-2020-12', io: 'input' }), 'Overture simulation scenario');
}

/** The JSON Schema of a report file. */
export function reportJsonSchema(): JsonSchemaDocument {
  return withTitle(z.toJSONSchema(ReportSchema, { target: 'draft-2020-12', io: 'input' }), 'Overture simulation report');
}

function withTitle(schema: JsonSchemaDocument, title: string): JsonSchemaDocument {
  const { $schema, ...rest } = schema;
  return { $schema, title, ...rest };
}
