/**
 * Loops that lead back to a send step. The send ledger keeps one message per execution and step
 * (the simulation contract's rule 8, "Once"), so the second and later passes of such a loop send
 * nothing: the step answers as the replay of its first message while the execution goes on
 * looping, Lambda calls, decision records and state transitions included. `validateJourney`
 * refuses these loops; a repeating series is written as distinct send steps instead.
 */
import { type Journey, type JourneyNode, type NodeId, successors } from './format';
import { type Edges, shortestPath, stronglyConnectedComponents } from './graph';

/** One edge that goes back to an earlier node, from where a send step runs again. */
export interface SendLoop {
  /** The node whose edge goes back (a `goTo` in the builder). */
  readonly node: JourneyNode;
  /** The edge's field on that node, e.g. `rules[0].next`. */
  readonly field: string;
  /** Where it goes back to. */
  readonly target: NodeId;
  /** Every send step that a pass through the edge can run again, in journey order. */
  readonly sends: readonly NodeId[];
  /** One such loop, from `target` through a send step to `node` and back to `target`. */
  readonly loop: readonly NodeId[];
}

/**
 * Finds every edge that closes a loop through a send step. A loop is a strongly connected
 * component with a cycle; within one, every node reaches every other, so each send step of the
 * component runs again after any of its edges that go back. Which edges go back is read from the
 * order of the nodes, which the builder writes in step order: an edge to the same or an earlier
 * node is a `goTo` to an earlier step, and every cycle has at least one such edge.
 * Expects a journey whose edges all resolve.
 */
export function findSendLoops(journey: Journey): SendLoop[] {
  const position = new Map(journey.nodes.map((node, index) => [node.id, index]));
  const byId = new Map(journey.nodes.map((node) => [node.id, node]));
  const edges: Edges = (id) => {
    const node = byId.get(id);
    return node ? successors(node).map((edge) => edge.target) : [];
  };
  const found: SendLoop[] = [];
  for (const component of stronglyConnectedComponents([...byId.keys()], edges)) {
    const members = new Set(component);
    const nodes = journey.nodes.filter((node) => members.has(node.id));
    const sends = nodes.filter((node) => node.type === 'send').map((node) => node.id);
    if (sends.length === 0) continue;
    for (const node of nodes) {
      for (const { field, target } of successors(node)) {
        if (!members.has(target) || (position.get(target) ?? 0) > (position.get(node.id) ?? 0)) continue;
        const loop = shortestLoop(target, node.id, sends, members, edges);
        if (loop) found.push({ node, field, target, sends, loop });
      }
    }
  }
  return found;
}

/** The shortest of the loops `target` → a send step → `from` → `target`. */
function shortestLoop(target: NodeId, from: NodeId, sends: readonly NodeId[], members: ReadonlySet<NodeId>, edges: Edges): NodeId[] | undefined {
  let shortest: NodeId[] | undefined;
  for (const send of sends) {
    const toSend = shortestPath(target, send, members, edges);
    const onwards = shortestPath(send, from, members, edges);
    if (!toSend || !onwards) continue;
    const loop = [...toSend, ...onwards.slice(1), target];
    if (!shortest || loop.length < shortest.length) shortest = loop;
  }
  return shortest;
}
