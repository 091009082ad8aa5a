/**
 * The subset of the Amazon States Language (JSONPath flavour) that journeys compile to, typed so
 * the compiler builds it as data and tests read it back without casts.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface AslRetrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface AslCatcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

interface AslStateBase {
  Comment?: string;
}

interface Transition {
  Next?: string;
  End?: true;
}

export interface AslTaskState extends AslStateBase, Transition {
  Type: 'Task';
  Resource: string;
  Parameters: JsonObject;
  ResultSelector?: JsonObject;
  ResultPath?: string | null;
  TimeoutSeconds?: number;
  HeartbeatSeconds?: number;
  Retry?: AslRetrier[];
  Catch?: AslCatcher[];
}

/** A Choice rule (or a nested rule inside `And`, which has no `Next`). */
export interface AslChoiceRule {
  Variable?: string;
  StringEquals?: string;
  NumericEquals?: number;
  NumericLessThan?: number;
  BooleanEquals?: boolean;
  IsPresent?: boolean;
  And?: AslChoiceRule[];
  Next?: string;
}

export interface AslChoiceState extends AslStateBase {
  Type: 'Choice';
  Choices: AslChoiceRule[];
  Default: string;
}

export interface AslWaitState extends AslStateBase {
  Type: 'Wait';
  Seconds?: number;
  TimestampPath?: string;
  Next: string;
}

export interface AslSucceedState extends AslStateBase {
  Type: 'Succeed';
}

export type AslState = AslTaskState | AslChoiceState | AslWaitState | AslSucceedState;

/** A state machine definition: what `DefinitionString` holds once its tokens are resolved. */
export interface AslDefinition {
  Comment: string;
  /** Always JSONPath: aws-local-stepfunctions does not run JSONata. */
  QueryLanguage: 'JSONPath';
  StartAt: string;
  States: Record<string, AslState>;
}
