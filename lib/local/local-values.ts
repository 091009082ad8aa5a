/**
 * What the template's references mean on one machine: a table's `Ref` is its local table name,
 * a queue's `Ref` its fauxqs URL, a bucket's its local name, a state machine's its local ARN.
 * Used to read a function's environment variables out of the template as the local runtime
 * should see them.
 */

/** The local meaning of one resource: its `Ref` and its `Fn::GetAtt` attributes. */
export interface LocalValue {
  readonly ref: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '000000000000',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'Overture-local',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Resolves a template value (a string, `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`) with the
 * local values; undefined when it names something the local runtime does not have.
 */
export function resolveLocalValue(value: unknown, values: ReadonlyMap<string, LocalValue>): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (!isRecord(value)) return undefined;
  if (typeof value.Ref === 'string') return PSEUDO_PARAMETERS[value.Ref] ?? values.get(value.Ref)?.ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string') {
    return values.get(getAtt[0])?.attributes?.[getAtt[1]];
  }
  const join = value['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = join[1].map((part) => resolveLocalValue(part, values));
    return parts.every((part): part is string => part !== undefined) ? parts.join(join[0]) : undefined;
  }
  const sub = value['Fn::Sub'];
  if (typeof sub === 'string') {
    let unresolved = false;
    const text = sub.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const [id = '', attribute] = name.split('.');
      const resolved = attribute === undefined ? resolveLocalValue({ Ref: id }, values) : values.get(id)?.attributes?.[attribute];
      if (resolved === undefined) unresolved = true;
      return resolved ?? '';
    });
    return unresolved ? undefined : text;
  }
  return undefined;
}

/** A function's environment resolved locally; variables that cannot be resolved are left out. */
export function resolveEnvironment(environment: Readonly<Record<string, unknown>>, values: ReadonlyMap<string, LocalValue>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    const text = resolveLocalValue(value, values);
    if (text !== undefined) resolved[name] = text;
  }
  return resolved;
}
