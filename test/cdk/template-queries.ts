/**
 * Reading a synthesized template for assertions: resources by type, the IAM statements a role
 * gets, the logical id of a construct, and state machine definitions with their intrinsic
 * functions resolved to stand-in values (so asl-validator can read them).
 */
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

/** One CloudFormation resource. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
}

/** One IAM policy statement. */
export interface PolicyStatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, unknown>;
  readonly Principal?: unknown;
}

/** Every resource of `type`, by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, TemplateResource> {
  return template.findResources(type) as Record<string, TemplateResource>;
}

/** The logical id of a construct's CloudFormation resource (the construct or its default child). */
export function logicalIdOf(stack: Stack, construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return stack.getLogicalId(element);
}

/** The actions of a statement as a list. */
export function actionsOf(statement: PolicyStatementJson): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** The resources of a statement as a list. */
export function resourcesOf(statement: PolicyStatementJson): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

function refersTo(value: unknown, logicalId: string): boolean {
  return JSON.stringify(value).includes(`"${logicalId}"`);
}

/** Every statement attached to the role `roleLogicalId`: inline policies and AWS::IAM::Policy resources. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const role = resourcesOfType(template, 'AWS::IAM::Role')[roleLogicalId];
  const inline = ((role?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: PolicyStatementJson[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
  const attached = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((policy) => ((policy.Properties?.Roles ?? []) as unknown[]).some((ref) => refersTo(ref, roleLogicalId)))
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
  return [...inline, ...attached];
}

/** The logical id of the role a Lambda function runs as. */
export function roleOfFunction(template: Template, functionLogicalId: string): string {
  const fn = resourcesOfType(template, 'AWS::Lambda::Function')[functionLogicalId];
  const role = fn?.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const roleId = role?.['Fn::GetAtt']?.[0];
  if (!roleId) throw new Error(`function ${functionLogicalId} has no role of this stack`);
  return roleId;
}

/**
 * A template value with its intrinsic functions resolved to stand-ins: `Ref` and `Fn::GetAtt`
 * become ARNs or names naming the logical id, pseudo parameters become fixed values.
 */
export function resolveIntrinsics(value: unknown, types: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const record = value as Record<string, unknown>;
  const join = record['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map((part) => resolveIntrinsics(part, types)).join(join[0]);
  const getAtt = record['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt) return standInArn(getAtt[0], types[getAtt[0]]);
  const ref = record.Ref as string | undefined;
  if (ref) return PSEUDO_PARAMETERS[ref] ?? (types[ref] === 'AWS::S3::Bucket' ? ref.toLowerCase() : standInArn(ref, types[ref]));
  const select = record['Fn::Select'] as [number, unknown] | undefined;
  if (select) return `selected-${select[0]}`;
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '111122223333',
  'AWS::URLSuffix': 'amazonaws.com',
};

function standInArn(logicalId: string, type: string | undefined): string {
  switch (type) {
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:us-east-1:111122223333:function:${logicalId}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:us-east-1:111122223333:stateMachine:${logicalId}`;
    default:
      return `arn:aws:${(type ?? 'unknown').split('::')[1]?.toLowerCase() ?? 'unknown'}:us-east-1:111122223333:${logicalId}`;
  }
}

/** Every state machine's definition, parsed, by logical id. */
export function stateMachineDefinitions(template: Template): Map<string, Record<string, unknown>> {
  const json = template.toJSON() as { Resources: Record<string, TemplateResource> };
  const types = Object.fromEntries(Object.entries(json.Resources).map(([id, resource]) => [id, resource.Type]));
  const definitions = new Map<string, Record<string, unknown>>();
  for (const [id, resource] of Object.entries(json.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    definitions.set(id, JSON.parse(resolveIntrinsics(resource.Properties?.DefinitionString, types)) as Record<string, unknown>);
  }
  return definitions;
}
