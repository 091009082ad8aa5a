/**
 * asl-validator, typed for the tests. It ships no type declarations, and it fills defaults into
 * the definition it checks, so it gets a copy.
 */
import type { AslDefinition } from '../../lib/journeys/asl';

type AslValidator = (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };

// eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped CommonJS module; typed right here
const aslValidator = require('asl-validator') as AslValidator;

/** Whether `definition` is valid ASL, and why not. */
export function validateAsl(definition: AslDefinition | undefined): { isValid: boolean; errors: string } {
  const { isValid, errorsText } = aslValidator(structuredClone(definition));
  return { isValid, errors: isValid ? '' : errorsText('\n') };
}
