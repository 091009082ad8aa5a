/**
 * Follow-up steps (`followUpOf` on a send node): a send that makes sense only after an earlier
 * message of the same execution, e.g. "still thinking about it?" a week after a suggestion. The
 * send path skips it as `nothing_to_follow_up` unless one of the steps it follows sent; the
 * validator makes sure those steps are send steps that can come before it.
 */
import { type Journey, type NodeId, type SendNode } from './format';
import { explicitEdges, reachableFrom } from './graph';

/** A `followUpOf` entry that cannot work, and why. */
export interface FollowUpFinding {
  readonly node: SendNode;
  readonly followed: NodeId;
  readonly problem: 'unknown' | 'not_a_send' | 'itself' | 'never_before';
}

/**
 * The `followUpOf` entries of `journey` that name no node, a node that is not a send step, the
 * step itself, or a step from which the follow-up cannot be reached (so it could never have sent
 * first). Expects a journey whose edges all resolve.
 */
export function followUpFindings(journey: Journey): FollowUpFinding[] {
  const byId = new Map(journey.nodes.map((node) => [node.id, node]));
  const edges = explicitEdges(journey);
  const findings: FollowUpFinding[] = [];
  for (const node of journey.nodes) {
    if (node.type !== 'send') continue;
    for (const followed of node.followUpOf ?? []) {
      const target = byId.get(followed);
      const problem =
        target === undefined ? 'unknown'
        : target.type !== 'send' ? 'not_a_send'
        : followed === node.id ? 'itself'
        : reachableFrom(edges(followed), edges).has(node.id) ? undefined
        : 'never_before';
      if (problem !== undefined) findings.push({ node, followed, problem });
    }
  }
  return findings;
}
