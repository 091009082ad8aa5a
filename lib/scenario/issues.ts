/**
 * Turns zod issues into the one-line problems the simulation contract promises: the offending
 * path in JavaScript notation (`customers[3].timezone`) and what is wrong with it.
 */
import type * as z from 'zod';

/** One problem with an input file. */
export interface ScenarioIssue {
  /** `customers[3].timezone`: `[n]` for array indices, `.` between keys; `(root)` for the file itself. */
  readonly path: string;
  readonly message: string;
}

/** The path of a value in the contract's notation: `customers[3].timezone`, or `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === '' ? '(root)' : text;
}

/**
 * One {@link ScenarioIssue} per problem. An unknown key is reported at its own path; a value that
 * matches no member of a union is reported with the problems of the member it was meant for (the
 * one whose type it has), so a bad inline journey says what is wrong inside it rather than
 * "Invalid input".
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], base: readonly PropertyKey[] = []): ScenarioIssue[] {
  const out: ScenarioIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: 'unknown field' });
    } else if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      // A record key (an attribute name) that breaks its rule: say which rule, not "Invalid key in record".
      for (const inner of issue.issues) out.push({ path: formatPath(path), message: `invalid name: ${inner.message}` });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const meant = issue.errors.find((branch) => !branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0));
      if (meant === undefined) out.push({ path: formatPath(path), message: unionTypeMessage(issue.errors) });
      else out.push(...formatIssues(meant, path));
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}

/** "expected string or object, received number" for a value of a type no member accepts. */
function unionTypeMessage(branches: readonly (readonly z.core.$ZodIssue[])[]): string {
  const expected = branches.flatMap((branch) => branch.flatMap((inner) => (inner.code === 'invalid_type' ? [inner.expected] : [])));
  const unique = [...new Set(expected)];
  return unique.length === 0 ? 'invalid input' : `Invalid input: expected ${unique.join(' or ')}`;
}
