/**
 * TransactGetItems for the local DynamoDB endpoint, which dynalite lacks: every Get of the request
 * read while no transaction writes (the caller holds the shared side of the lock that
 * TransactWriteItems holds exclusively), so the items form one snapshot, as in AWS. Each Get is a
 * strongly consistent GetItem of dynalite's; a Get that fails (no such table, a malformed key)
 * answers the request with that error, as the service does.
 */
import { MAX_ACTIONS, validationError, type InvokeOperation, type WireResponse } from './transact-write-items';

/** Answers one TransactGetItems request (its JSON body, parsed). */
export async function transactGetItems(request: unknown, invoke: InvokeOperation): Promise<WireResponse> {
  const items = (request as { TransactItems?: unknown } | undefined)?.TransactItems;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ACTIONS) {
    return validationError(`TransactItems must hold 1 to ${MAX_ACTIONS} Get actions`);
  }
  const responses: Array<Record<string, unknown>> = [];
  for (const item of items as unknown[]) {
    const get = (item as { Get?: Record<string, unknown> } | undefined)?.Get;
    if (get === undefined) return validationError('TransactGetItems can only contain Get actions');
    const answer = await invoke('GetItem', { ...get, ConsistentRead: true });
    if (answer.status !== 200) return answer;
    responses.push(answer.body.Item === undefined ? {} : { Item: answer.body.Item });
  }
  return { status: 200, body: { Responses: responses } };
}
