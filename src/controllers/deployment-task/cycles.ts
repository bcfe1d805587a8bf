/**
 * Cycle detection over a dependency graph (task `dependsOn`, environment `promotesFrom`): each key lists the
 * names it depends on. Names that are not keys are ignored (a missing object is not a cycle).
 */

interface VisitState {
  index: number;
  low: number;
  onStack: boolean;
}

interface Frame {
  node: string;
  successors: string[];
  next: number;
}

/**
 * Finds the cycles of a dependency graph, so that every node lying on a cycle (self-loops included) appears in
 * at least one of them and can explain itself. Within each strongly connected component, nodes are taken in
 * name order and each one not yet covered contributes the shortest cycle through it; this keeps the work
 * linear per node covered, even for one huge cycle. A cycle is written as the names along it in edge order,
 * rotated to start at its smallest name; the list is sorted, so the same graph always yields the same answer.
 */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const successors = sortedSuccessors(graph);
  const cycles: string[][] = [];
  for (const component of stronglyConnectedComponents(successors)) {
    const members = new Set(component);
    const covered = new Set<string>();
    for (const start of component) {
      if (covered.has(start)) continue;
      const cycle = shortestCycleThrough(successors, start, members);
      if (cycle === undefined) continue;
      for (const node of cycle) covered.add(node);
      cycles.push(rotateTo(cycle, [...cycle].sort()[0] ?? start));
    }
  }
  return cycles.sort(compareCycles);
}

/**
 * The shortest of `cycles` that passes through `name`, rotated to start at `name` so a message can read from
 * the object's own point of view; `undefined` when `name` is on no cycle.
 */
export function cycleThrough(cycles: readonly (readonly string[])[], name: string): string[] | undefined {
  let best: readonly string[] | undefined;
  for (const cycle of cycles) {
    if (cycle.includes(name) && (best === undefined || cycle.length < best.length)) best = cycle;
  }
  return best === undefined ? undefined : rotateTo(best, name);
}

/** Spells a cycle for people, closing it on its first name: `a -> b -> c -> a`. */
export function formatCycle(cycle: readonly string[]): string {
  return cycle.length === 0 ? "" : [...cycle, cycle[0]].join(" -> ");
}

function compareCycles(a: readonly string[], b: readonly string[]): number {
  const ka = a.join("\n");
  const kb = b.join("\n");
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function rotateTo(cycle: readonly string[], name: string): string[] {
  const at = cycle.indexOf(name);
  return at <= 0 ? [...cycle] : [...cycle.slice(at), ...cycle.slice(0, at)];
}

function sortedSuccessors(graph: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const node of [...graph.keys()].sort()) {
    const next = [...new Set(graph.get(node) ?? [])].filter((n) => graph.has(n)).sort();
    result.set(node, next);
  }
  return result;
}

/** Tarjan's algorithm, iterative so a long dependency chain cannot overflow the stack. */
function stronglyConnectedComponents(successors: ReadonlyMap<string, string[]>): string[][] {
  const state = new Map<string, VisitState>();
  const stack: string[] = [];
  const components: string[][] = [];
  let nextIndex = 0;
  const visit = (node: string, work: Frame[]): void => {
    state.set(node, { index: nextIndex, low: nextIndex, onStack: true });
    nextIndex++;
    stack.push(node);
    work.push({ node, successors: successors.get(node) ?? [], next: 0 });
  };
  for (const root of successors.keys()) {
    if (state.has(root)) continue;
    const work: Frame[] = [];
    visit(root, work);
    for (let frame = work.at(-1); frame !== undefined; frame = work.at(-1)) {
      const own = state.get(frame.node) as VisitState;
      const succ = frame.successors[frame.next];
      if (succ !== undefined) {
        frame.next++;
        const seen = state.get(succ);
        if (seen === undefined) visit(succ, work);
        else if (seen.onStack) own.low = Math.min(own.low, seen.index);
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent !== undefined) {
        const parentState = state.get(parent.node) as VisitState;
        parentState.low = Math.min(parentState.low, own.low);
      }
      if (own.low === own.index) components.push(popComponent(stack, state, frame.node));
    }
  }
  return components.filter((c) => c.length > 1 || (successors.get(c[0] ?? "") ?? []).includes(c[0] ?? ""));
}

function popComponent(stack: string[], state: Map<string, VisitState>, root: string): string[] {
  const component: string[] = [];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    (state.get(node) as VisitState).onStack = false;
    component.push(node);
    if (node === root) break;
  }
  return component.sort();
}

/** Breadth-first search from `start` back to itself, staying inside its component; the path in edge order. */
function shortestCycleThrough(
  successors: ReadonlyMap<string, string[]>,
  start: string,
  members: ReadonlySet<string>,
): string[] | undefined {
  const parent = new Map<string, string>();
  const queue: string[] = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as string;
    for (const next of successors.get(node) ?? []) {
      if (next === start) return pathTo(parent, start, node);
      if (!members.has(next) || parent.has(next)) continue;
      parent.set(next, node);
      queue.push(next);
    }
  }
  return undefined;
}

function pathTo(parent: ReadonlyMap<string, string>, start: string, end: string): string[] {
  const path = [end];
  for (let node = end; node !== start;) {
    node = parent.get(node) ?? start;
    path.push(node);
  }
  return path.reverse();
}
