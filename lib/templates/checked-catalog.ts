/**
 * The template catalog with the static variable check: what synth, the local stack and the tests
 * load. The send function reads the catalog synth checked (readTemplateCatalog), so this module,
 * and liquid's analysis with it, stays out of the send bundle.
 */
import { readTemplateCatalog, type TemplateCatalog } from './catalog';
import { templateVariableProblems, type VariableCheckOptions } from './variables';

/**
 * Loads every template under `dir` (normally `workflows/templates`) and checks each against the
 * personalization data model.
 *
 * @throws TemplateCatalogError listing every problem: convention breaches, syntax errors, and
 *   variables the personalization data cannot supply.
 */
export function loadTemplateCatalog(dir: string, options: VariableCheckOptions = {}): TemplateCatalog {
  return readTemplateCatalog(dir, (template) => templateVariableProblems(template, options));
}
