import { cycleThrough, findCycles, formatCycle } from "../deployment-task/cycles.js";
import { agree, nameList, sentence } from "../deployment-task/wording.js";

/** The part of an Environment that places it in the pipeline. */
export interface EnvironmentLink {
  name: string;
  promotesFrom: readonly string[];
}

/** The reasons an Environment's Ready condition can carry. */
export const EnvironmentReason = {
  OrderResolved: "OrderResolved",
  UnknownPredecessor: "UnknownPredecessor",
  OrderCycle: "OrderCycle",
  PredecessorInvalid: "PredecessorInvalid",
  InvalidWindow: "InvalidWindow",
  InvalidFreeze: "InvalidFreeze",
  InvalidEscalation: "InvalidEscalation",
  NoApprovers: "NoApprovers",
} as const;

/** Where one environment sits in the pipeline, or why it cannot be placed. */
export interface EnvironmentOrder {
  /** The length of the longest chain of predecessors: 0 for a first stage. Absent when not ready. */
  order?: number;
  /** The longest chain of environments ending with this one, first stage first. Absent when not ready. */
  path?: string[];
  ready: {
    status: "True" | "False";
    reason: (typeof EnvironmentReason)[keyof typeof EnvironmentReason];
    message: string;
  };
}

/**
 * Places every environment in the pipeline from the `promotesFrom` links of all of them. An environment is not
 * ready when it is on a promotion cycle (`OrderCycle`, the cycle spelled in the direction releases would move),
 * when it names environments that do not exist (`UnknownPredecessor`), or when any predecessor is not ready
 * (`PredecessorInvalid`), checked in that order. The others get their order and the longest path to them; a
 * tie between equally long paths goes to the predecessor whose name sorts first, so the answer is stable.
 */
export function decideEnvironmentOrder(
  environments: readonly EnvironmentLink[],
): Map<string, EnvironmentOrder> {
  const graph = new Map(environments.map((env) => [env.name, [...new Set(env.promotesFrom)]]));
  const cycles = findCycles(graph);
  const result = new Map<string, EnvironmentOrder>();

  const place = (name: string): EnvironmentOrder => {
    const known = result.get(name);
    if (known !== undefined) return known;
    const decided = placeOne(name, graph.get(name) ?? [], graph, cycles, place);
    result.set(name, decided);
    return decided;
  };
  for (const name of [...graph.keys()].sort()) place(name);
  return result;
}

function placeOne(
  name: string,
  predecessors: readonly string[],
  graph: ReadonlyMap<string, readonly string[]>,
  cycles: readonly (readonly string[])[],
  place: (name: string) => EnvironmentOrder,
): EnvironmentOrder {
  const cycle = cycleThrough(cycles, name);
  if (cycle !== undefined) return notReady(EnvironmentReason.OrderCycle, describeCycle(cycle));
  const unknown = predecessors.filter((p) => !graph.has(p));
  if (unknown.length > 0) {
    return notReady(
      EnvironmentReason.UnknownPredecessor,
      sentence([
        `${nameList("environment", "environments", unknown)} named in spec.promotesFrom ` +
          `${agree(unknown, "does", "do")} not exist`,
        `create ${agree(unknown, "it", "them")} or remove ${agree(unknown, "it", "them")} from spec.promotesFrom`,
      ]),
    );
  }
  const placed = [...predecessors].sort().map((p) => ({ name: p, order: place(p) }));
  const broken = placed.filter((p) => p.order.ready.status !== "True");
  if (broken.length > 0) {
    const names = broken.map((p) => `${p.name} (${p.order.ready.reason})`);
    return notReady(
      EnvironmentReason.PredecessorInvalid,
      sentence([
        `${nameList("predecessor", "predecessors", names)} ${agree(names, "is", "are")} not ready`,
        `fix ${agree(names, "it", "them")} first`,
      ]),
    );
  }
  let longest: { order: number; path: string[] } | undefined;
  for (const p of placed) {
    const order = p.order.order ?? 0;
    if (longest === undefined || order > longest.order) longest = { order, path: p.order.path ?? [p.name] };
  }
  const order = longest === undefined ? 0 : longest.order + 1;
  const path = [...(longest?.path ?? []), name];
  const message =
    order === 0
      ? "The environment is a first stage of the pipeline (order 0)."
      : `The environment has order ${order} in the pipeline ${path.join(" -> ")}.`;
  return { order, path, ready: { status: "True", reason: EnvironmentReason.OrderResolved, message } };
}

/** Spells a promotesFrom cycle in the direction releases would move, starting and ending at this environment. */
function describeCycle(cycle: readonly string[]): string {
  if (cycle.length === 1) {
    return `The environment promotes from itself; remove ${cycle[0] ?? ""} from spec.promotesFrom.`;
  }
  const flow = [cycle[0] ?? "", ...cycle.slice(1).reverse()];
  return sentence([
    `environments promote from each other in a cycle, so a release would move ${formatCycle(flow)}`,
    "remove one of these links from spec.promotesFrom",
  ]);
}

function notReady(reason: EnvironmentOrder["ready"]["reason"], message: string): EnvironmentOrder {
  return { ready: { status: "False", reason, message } };
}
