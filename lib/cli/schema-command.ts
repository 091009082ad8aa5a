/** `overture schema scenario|report`: the JSON Schema of a simulation file, on stdout. */
import { reportJsonSchema, scenarioJsonSchema } from '../scenario';
import { badInput, writeJson, type CliIO } from './io';

/** The files that have a schema. */
export const SCHEMA_NAMES = ['scenario', 'report'] as const;

/** Prints the schema. @throws CliExit(2) for an unknown name */
export function schemaCommand(io: CliIO, name: string): void {
  if (name === 'scenario') return writeJson(io, scenarioJsonSchema());
  if (name === 'report') return writeJson(io, reportJsonSchema());
  throw badInput(`unknown schema "${name}"; choose one of: ${SCHEMA_NAMES.join(', ')}`);
}
