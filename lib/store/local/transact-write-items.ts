/**
 * TransactWriteItems for dynalite, which implements every single-item operation but no
 * transactions (its readme lists them as TODO).
 *
 * The transaction is carried out with dynalite's own single-item operations, so conditions,
 * update expressions and validation errors are evaluated by dynalite itself:
 *
 * 1. read every target item (consistent GetItem);
 * 2. evaluate every condition against the item it names, without changing it.
 *    `attribute_exists(#name)` and `attribute_not_exists(#name)` alone, the commonest conditions
 *    (every ledger reservation has one), are decided from the item read in step 1. Any other is
 *    dynalite's to judge: by a probe, a conditional PutItem that writes the item back as it was
 *    (and removes it again if it did not exist) — except one, on an action that writes, which is
 *    left to that action's own write in step 4;
 * 3. if any condition is false, answer TransactionCanceledException with one CancellationReason
 *    per action (`ConditionalCheckFailed`, with the old item when ALL_OLD was asked for);
 * 4. otherwise apply every action: first the one whose condition was left to its write (if that
 *    condition is false, nothing is written yet, and the answer is as in step 3), then the others
 *    in order. If dynalite rejects one (a bad update expression), restore every item already
 *    written and answer that error.
 *
 * With a {@link TransactionJournal} (a store kept on disk), the items as they were before step 4
 * are written down first and forgotten once every action is applied, so a process killed in the
 * middle of step 4 leaves what the next start needs to undo the transaction: all or nothing.
 *
 * The caller runs this while no other request is served (see SharedExclusiveLock), which is
 * what makes the steps above atomic and isolated from the outside. ClientRequestToken is
 * accepted and ignored.
 */

/** One DynamoDB JSON response: HTTP status and parsed body. */
export interface WireResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Sends one DynamoDB operation (e.g. `GetItem`) with a JSON payload to the emulator. */
export type InvokeOperation = (operation: string, payload: Record<string, unknown>) => Promise<WireResponse>;

/**
 * Key attribute names by table, kept between transactions so each does not describe its tables
 * again. Whoever serves CreateTable and DeleteTable must clear it.
 */
export type KeyNamesByTable = Map<string, string[]>;

type WireItem = Record<string, unknown>;

/** An item as it was before a transaction wrote it: absent (`item` undefined) or its attributes. */
export interface ItemBefore {
  readonly tableName: string;
  readonly key: WireItem;
  readonly item?: WireItem;
}

/**
 * Where a transaction writes down the items it is about to change, and forgets them once it has
 * changed them all (see the module comment).
 */
export interface TransactionJournal {
  begin(before: readonly ItemBefore[]): void;
  end(): void;
}

const ACTION_KINDS = ['ConditionCheck', 'Put', 'Delete', 'Update'] as const;
type ActionKind = (typeof ACTION_KINDS)[number];

interface PlannedAction {
  kind: ActionKind;
  params: Record<string, unknown>;
  tableName: string;
  key: WireItem;
  oldItem: WireItem | undefined;
}

/** The service's limit on actions in one transaction, written or read (TransactGetItems). */
export const MAX_ACTIONS = 100;

/** Carries out one TransactWriteItems request body; see the module comment for the method. */
export async function transactWriteItems(
  request: unknown,
  invoke: InvokeOperation,
  keySchemas: KeyNamesByTable = new Map(),
  journal?: TransactionJournal,
): Promise<WireResponse> {
  const parsed = parseActions(request);
  if (typeof parsed === 'string') return validationError(parsed);

  const planned: PlannedAction[] = [];
  const seen = new Set<string>();
  for (const { kind, params } of parsed) {
    const tableName = params.TableName;
    if (typeof tableName !== 'string') return validationError('TableName is required in every transaction action');
    let keyNames = keySchemas.get(tableName);
    if (keyNames === undefined) {
      const described = await invoke('DescribeTable', { TableName: tableName });
      if (described.status !== 200) return described;
      keyNames = keyAttributeNames(described.body);
      keySchemas.set(tableName, keyNames);
    }
    const source = kind === 'Put' ? params.Item : params.Key;
    if (!isRecord(source)) return validationError(`${kind} needs ${kind === 'Put' ? 'Item' : 'Key'}`);
    const key: WireItem = {};
    for (const name of keyNames) {
      if (source[name] === undefined) return validationError(`One of the required keys was not given a value: ${name}`);
      key[name] = source[name];
    }
    const identity = JSON.stringify([tableName, keyNames.map((name) => key[name])]);
    if (seen.has(identity)) {
      return validationError('Transaction request cannot include multiple operations on one item');
    }
    seen.add(identity);
    planned.push({ kind, params, tableName, key, oldItem: undefined });
  }

  for (const action of planned) {
    const read = await invoke('GetItem', { TableName: action.tableName, Key: action.key, ConsistentRead: true });
    if (read.status !== 200) return read;
    action.oldItem = isRecord(read.body.Item) ? read.body.Item : undefined;
  }

  // Step 2. Leaving one condition to its write spares the commonest transaction here (a ledger
  // entry that must be new, and a counter at an expected version) a probe write and its removal.
  // Its reason stands as `None` until that write or a probe says otherwise.
  const reasons: Array<Record<string, unknown>> = [];
  let leftToWrite: PlannedAction | undefined;
  for (const action of planned) {
    let verdict = judgeFromRead(action);
    if (verdict === undefined && leftToWrite === undefined && action.kind !== 'ConditionCheck') {
      leftToWrite = action;
      verdict = true;
    }
    verdict ??= await probeCondition(action, invoke);
    if (typeof verdict !== 'boolean') return verdict;
    reasons.push(verdict ? NO_REASON : failedReason(action));
  }
  if (reasons.some((reason) => reason.Code !== 'None')) {
    // Cancelled anyway: the action left to its write needs its own reason too.
    if (leftToWrite !== undefined) {
      const verdict = await probeCondition(leftToWrite, invoke);
      if (typeof verdict !== 'boolean') return verdict;
      reasons[planned.indexOf(leftToWrite)] = verdict ? NO_REASON : failedReason(leftToWrite);
    }
    return cancellation(reasons);
  }

  journal?.begin(itemsBefore(planned));
  const order = leftToWrite === undefined ? planned : [leftToWrite, ...planned.filter((action) => action !== leftToWrite)];
  const applied: PlannedAction[] = [];
  for (const action of order) {
    const outcome = await apply(action, invoke);
    if (outcome.status !== 200) {
      if (action === leftToWrite && isConditionFailure(outcome)) {
        // It was applied first: nothing is written yet.
        journal?.end();
        reasons[planned.indexOf(action)] = failedReason(action);
        return cancellation(reasons);
      }
      // Dynalite accepts its own items back.
      await restoreItems(itemsBefore(applied), invoke);
      journal?.end();
      return outcome;
    }
    applied.push(action);
  }
  journal?.end();
  return { status: 200, body: {} };
}

/** The cancellation reason of an action whose condition held. */
const NO_REASON: Record<string, unknown> = { Code: 'None' };

/** The cancellation reason of an action whose condition is false (with the old item when asked). */
function failedReason(action: PlannedAction): Record<string, unknown> {
  const reason: Record<string, unknown> = { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
  if (action.params.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && action.oldItem !== undefined) {
    reason.Item = action.oldItem;
  }
  return reason;
}

/** TransactionCanceledException with one reason per action, in the request's order. */
function cancellation(reasons: ReadonlyArray<Record<string, unknown>>): WireResponse {
  const codes = reasons.map((reason) => String(reason.Code)).join(', ');
  return {
    status: 400,
    body: {
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
      CancellationReasons: reasons,
    },
  };
}

function isConditionFailure(outcome: WireResponse): boolean {
  return String(outcome.body.__type).endsWith('#ConditionalCheckFailedException');
}

/** Puts the items back as `before` says they were (the undo of a transaction a crash cut short). */
export async function restoreItems(before: readonly ItemBefore[], invoke: InvokeOperation): Promise<void> {
  for (const { tableName, key, item } of [...before].reverse()) {
    const outcome =
      item === undefined
        ? await invoke('DeleteItem', { TableName: tableName, Key: key })
        : await invoke('PutItem', { TableName: tableName, Item: item });
    if (outcome.status !== 200) throw new Error(`restoring an item of ${tableName} failed: ${JSON.stringify(outcome.body)}`);
  }
}

function parseActions(request: unknown): Array<{ kind: ActionKind; params: Record<string, unknown> }> | string {
  if (!isRecord(request) || !Array.isArray(request.TransactItems)) {
    return "The parameter 'TransactItems' is required but was not present in the request";
  }
  const items: unknown[] = request.TransactItems;
  if (items.length < 1 || items.length > MAX_ACTIONS) {
    return `Member must have length less than or equal to ${MAX_ACTIONS} and greater than or equal to 1 at 'transactItems'`;
  }
  const actions: Array<{ kind: ActionKind; params: Record<string, unknown> }> = [];
  for (const item of items) {
    if (!isRecord(item)) return 'Each transaction item must be an object';
    const kinds = ACTION_KINDS.filter((kind) => item[kind] !== undefined);
    const kind = kinds[0];
    const params = kind === undefined ? undefined : item[kind];
    if (kinds.length !== 1 || kind === undefined || !isRecord(params)) {
      return 'TransactItems can only contain one of Check, Put, Update or Delete';
    }
    actions.push({ kind, params });
  }
  return actions;
}

/**
 * True or false for the action's condition where the item as read decides it (no condition, or an
 * existence condition), an error response for a malformed one, and undefined where dynalite must judge it.
 */
function judgeFromRead(action: PlannedAction): boolean | WireResponse | undefined {
  const condition = action.params.ConditionExpression;
  if (condition === undefined) {
    return action.kind === 'ConditionCheck' ? validationError('ConditionCheck needs a ConditionExpression') : true;
  }
  if (typeof condition !== 'string') return validationError('ConditionExpression must be a string');
  return existenceVerdict(action, condition);
}

/**
 * Dynalite's verdict on the action's condition, without changing the item: a conditional PutItem
 * that writes the item back as it was (and removes it again if it did not exist).
 */
async function probeCondition(action: PlannedAction, invoke: InvokeOperation): Promise<boolean | WireResponse> {
  const condition = String(action.params.ConditionExpression);
  const probe: Record<string, unknown> = {
    TableName: action.tableName,
    Item: action.oldItem ?? action.key,
    ConditionExpression: condition,
  };
  const names = pickReferenced(action.params.ExpressionAttributeNames, condition, /#[A-Za-z0-9_]+/g);
  const values = pickReferenced(action.params.ExpressionAttributeValues, condition, /:[A-Za-z0-9_]+/g);
  if (names !== undefined) probe.ExpressionAttributeNames = names;
  if (values !== undefined) probe.ExpressionAttributeValues = values;
  const outcome = await invoke('PutItem', probe);
  if (outcome.status === 200) {
    if (action.oldItem === undefined) {
      const removed = await invoke('DeleteItem', { TableName: action.tableName, Key: action.key });
      if (removed.status !== 200) return removed;
    }
    return true;
  }
  if (isConditionFailure(outcome)) return false;
  return outcome;
}

/** `attribute_exists(#name)` or `attribute_not_exists(#name)`, the whole condition. */
const EXISTENCE_CONDITION = /^\s*attribute_(not_)?exists\s*\(\s*(#[A-Za-z0-9_]+)\s*\)\s*$/;

/**
 * The verdict of an existence condition on one top-level attribute, from the item as read; for
 * any other condition (or a placeholder the request does not define) undefined, and dynalite
 * judges it.
 */
function existenceVerdict(action: PlannedAction, condition: string): boolean | undefined {
  const match = EXISTENCE_CONDITION.exec(condition);
  const placeholder = match?.[2];
  if (match === null || placeholder === undefined) return undefined;
  const names = action.params.ExpressionAttributeNames;
  const name = isRecord(names) ? names[placeholder] : undefined;
  if (typeof name !== 'string') return undefined;
  const exists = action.oldItem?.[name] !== undefined;
  return match[1] === undefined ? exists : !exists;
}

async function apply(action: PlannedAction, invoke: InvokeOperation): Promise<WireResponse> {
  const params = { ...action.params };
  delete params.ReturnValuesOnConditionCheckFailure;
  switch (action.kind) {
    case 'ConditionCheck':
      return { status: 200, body: {} };
    case 'Put':
      return invoke('PutItem', params);
    case 'Delete':
      return invoke('DeleteItem', params);
    case 'Update':
      return invoke('UpdateItem', params);
  }
}

/** The items the actions write, as they were before. */
function itemsBefore(actions: readonly PlannedAction[]): ItemBefore[] {
  return actions
    .filter((action) => action.kind !== 'ConditionCheck')
    .map((action) => ({ tableName: action.tableName, key: action.key, item: action.oldItem }));
}

/** The entries of an expression-attribute map that `expression` refers to (dynalite rejects unused ones). */
function pickReferenced(map: unknown, expression: string, token: RegExp): Record<string, unknown> | undefined {
  if (!isRecord(map)) return undefined;
  const picked: Record<string, unknown> = {};
  for (const name of expression.match(token) ?? []) {
    if (map[name] !== undefined) picked[name] = map[name];
  }
  return Object.keys(picked).length > 0 ? picked : undefined;
}

function keyAttributeNames(describeTable: Record<string, unknown>): string[] {
  const table = describeTable.Table;
  const schema = isRecord(table) && Array.isArray(table.KeySchema) ? (table.KeySchema as unknown[]) : [];
  const hash = schema.filter((element) => isRecord(element) && element.KeyType === 'HASH');
  const range = schema.filter((element) => isRecord(element) && element.KeyType === 'RANGE');
  return [...hash, ...range].map((element) => String(isRecord(element) ? element.AttributeName : ''));
}

/** The ValidationException DynamoDB answers a malformed request with. */
export function validationError(message: string): WireResponse {
  return { status: 400, body: { __type: 'com.amazon.coral.validate#ValidationException', message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
