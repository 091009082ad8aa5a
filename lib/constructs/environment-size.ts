import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';

/** Lambda refuses a function whose environment variables, names and values together, pass 4 KB. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * The longest values the deploy-time parts of an ARN can take, so an estimate errs towards too
 * large: `aws-us-gov`, `ap-southeast-5`, a 12-digit account, `amazonaws.com.cn`.
 */
const LONGEST = { partition: 10, region: 14, account: 12, urlSuffix: 16, stackName: 128 } as const;

const PSEUDO_PARAMETER_BYTES: Readonly<Record<string, number>> = {
  'AWS::Partition': LONGEST.partition,
  'AWS::Region': LONGEST.region,
  'AWS::AccountId': LONGEST.account,
  'AWS::URLSuffix': LONGEST.urlSuffix,
  'AWS::StackName': LONGEST.stackName,
};

/**
 * Any other reference (a table name, a queue URL, an ARN) whose value CloudFormation chooses:
 * generous, as a generated name with its stack prefix and suffix is long.
 */
const OTHER_REFERENCE_BYTES = 128;

/** One environment variable's estimated share of the limit. */
export interface EnvironmentVariableSize {
  readonly name: string;
  readonly bytes: number;
}

/**
 * The bytes `fn`'s environment variables will take once CloudFormation resolves them: names plus
 * values, with each state machine ARN at its real length (its name is known at synth) and other
 * references at {@link OTHER_REFERENCE_BYTES}. Largest first.
 */
export function estimateEnvironmentSize(fn: CfnFunction): EnvironmentVariableSize[] {
  const stack = Stack.of(fn);
  const resolved = stack.resolve(fn.environment) as { variables?: Record<string, unknown> } | undefined;
  const machineNames = stateMachineNames(stack);
  return Object.entries(resolved?.variables ?? {})
    .map(([name, value]) => ({ name, bytes: Buffer.byteLength(name) + valueBytes(value, machineNames) }))
    .sort((a, b) => b.bytes - a.bytes);
}

/** The names of the stack's state machines, by logical id, where synth knows them. */
function stateMachineNames(stack: Stack): Map<string, string> {
  const names = new Map<string, string>();
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof CfnStateMachine) || construct.stateMachineName === undefined) continue;
    if (Token.isUnresolved(construct.stateMachineName)) continue;
    names.set(stack.getLogicalId(construct as CfnResource), construct.stateMachineName);
  }
  return names;
}

/** `arn:<partition>:states:<region>:<account>:stateMachine:` at its longest. */
const STATE_MACHINE_ARN_PREFIX_BYTES =
  'arn::states:::stateMachine:'.length + LONGEST.partition + LONGEST.region + LONGEST.account;

function valueBytes(value: unknown, machineNames: ReadonlyMap<string, string>): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + valueBytes(item, machineNames), 0);
  const intrinsic = value as Record<string, unknown>;
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.reduce((sum: number, part) => sum + valueBytes(part, machineNames), 0) + Buffer.byteLength(separator) * Math.max(parts.length - 1, 0);
  }
  if ('Ref' in intrinsic) {
    const ref = String(intrinsic.Ref);
    const machine = machineNames.get(ref);
    if (machine !== undefined) return STATE_MACHINE_ARN_PREFIX_BYTES + Buffer.byteLength(machine);
    return PSEUDO_PARAMETER_BYTES[ref] ?? OTHER_REFERENCE_BYTES;
  }
  if ('Fn::GetAtt' in intrinsic) {
    const [logicalId] = intrinsic['Fn::GetAtt'] as [string, string];
    const machine = machineNames.get(logicalId);
    if (machine !== undefined) return STATE_MACHINE_ARN_PREFIX_BYTES + Buffer.byteLength(machine);
    return OTHER_REFERENCE_BYTES;
  }
  // Fn::Sub, Fn::Select, imports…: none is used today; counted as one reference.
  return OTHER_REFERENCE_BYTES;
}
