/**
 * Graph searches over a journey's nodes, for the validation rules (reachability, loops). Nodes are named by
 * id and their edges given as a function, so each rule decides which nodes and edges count.
 */
import { successors, type Journey, type NodeId } from './format';

/** The targets of a node's edges. */
export type Edges = (id: NodeId) => NodeId[];

/** A journey's explicit edges (each node's successors, by id); an id that names no node has none. */
export function explicitEdges(journey: Journey): Edges {
  const byId = new Map(journey.nodes.map((node) => [node.id, node]));
  return (id) => {
    const node = byId.get(id);
    return node === undefined ? [] : successors(node).map((edge) => edge.target);
  };
}

/** The nodes reachable from `starts` (themselves included) by following `edges`. */
export function reachableFrom(starts: readonly NodeId[], edges: Edges): Set<NodeId> {
  const seen = new Set<NodeId>();
  const pending = [...starts];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    pending.push(...edges(id));
  }
  return seen;
}

/** The strongly connected components of the graph (Tarjan's algorithm, over the small node list). */
export function stronglyConnectedComponents(ids: readonly NodeId[], edges: Edges): NodeId[][] {
  let counter = 0;
  const index = new Map<NodeId, number>();
  const low = new Map<NodeId, number>();
  const stack: NodeId[] = [];
  const onStack = new Set<NodeId>();
  const components: NodeId[][] = [];

  const visit = (id: NodeId): void => {
    index.set(id, counter);
    low.set(id, counter);
    counter += 1;
    stack.push(id);
    onStack.add(id);
    for (const target of edges(id)) {
      if (!index.has(target)) {
        visit(target);
        low.set(id, Math.min(low.get(id) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(id, Math.min(low.get(id) ?? 0, index.get(target) ?? 0));
      }
    }
    if (low.get(id) === index.get(id)) {
      const component: NodeId[] = [];
      let member: NodeId | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== id);
      components.push(component);
    }
  };
  for (const id of ids) if (!index.has(id)) visit(id);
  return components;
}

/** A shortest cycle from `start` back to itself inside `members`, or undefined when there is none. */
export function shortestCycle(start: NodeId, members: ReadonlySet<NodeId>, edges: Edges): NodeId[] | undefined {
  const previous = new Map<NodeId, NodeId>();
  const queue: NodeId[] = [start];
  for (let head = 0; head < queue.length; head += 1) {
    const id = queue[head];
    if (id === undefined) break;
    for (const target of edges(id)) {
      if (!members.has(target)) continue;
      if (target === start) return [...pathBack(id, previous), start];
      if (!previous.has(target)) {
        previous.set(target, id);
        queue.push(target);
      }
    }
  }
  return undefined;
}

/** A shortest path from `from` to `to` inside `members` (`[from]` when they are the same), or undefined. */
export function shortestPath(from: NodeId, to: NodeId, members: ReadonlySet<NodeId>, edges: Edges): NodeId[] | undefined {
  if (from === to) return [from];
  const previous = new Map<NodeId, NodeId>([[from, from]]);
  const queue: NodeId[] = [from];
  for (let head = 0; head < queue.length; head += 1) {
    const id = queue[head];
    if (id === undefined) break;
    for (const target of edges(id)) {
      if (!members.has(target) || previous.has(target)) continue;
      previous.set(target, id);
      if (target === to) return pathBack(to, previous, from);
      queue.push(target);
    }
  }
  return undefined;
}

/** Walks the parents back from `id` to the node that has none (or is its own, `root`). */
function pathBack(id: NodeId, previous: ReadonlyMap<NodeId, NodeId>, root?: NodeId): NodeId[] {
  const chain: NodeId[] = [];
  for (let at: NodeId | undefined = id; at !== undefined; at = at === root ? undefined : previous.get(at)) chain.unshift(at);
  return chain;
}
