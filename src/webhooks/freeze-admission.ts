import { exceptionFor, freezesInForce, describeFreeze, type ActiveFreeze } from "../policy/freeze.js";
import { deny, type Denial } from "./verdict.js";
import type { WebhookContext } from "./webhook-context.js";

/** The task types a freeze never refuses: they undo, check or review what already shipped. */
const SAFETY_TASKS: ReadonlySet<string> = new Set([
  "Rollback",
  "RollbackValidation",
  "PostDeployVerification",
  "PostImplementationReview",
]);

/** What a new object asks of the freezes: the environments it would enter, its namespace and its kind of release. */
export interface FreezeQuestion {
  /** What is being created, for the message, for example `a new Feature release`. */
  what: string;
  namespace: string | undefined;
  environments: readonly string[];
  /** `Hotfix` or `Feature` (the default). */
  changeType: string;
}

/**
 * The freezes in force, now and in the namespace's scope, on the environments asked about, that do not let this kind
 * of release in; each with the environment it freezes. A Hotfix is let in by a freeze with the Hotfix exception
 * (it still waits at the gate for its approved change).
 */
async function holdingFreezes(
  question: FreezeQuestion,
  ctx: WebhookContext,
): Promise<{ environment: string; freeze: ActiveFreeze; hotfixes: boolean }[]> {
  const now = ctx.now();
  const lookupLabels = ctx.lookupNamespaceLabels;
  const namespaceLabels =
    question.namespace === undefined || lookupLabels === undefined
      ? undefined
      : await lookupLabels(question.namespace);
  const holding: { environment: string; freeze: ActiveFreeze; hotfixes: boolean }[] = [];
  for (const environment of new Set(question.environments)) {
    const spec = await ctx.lookupEnvironment(environment);
    if (spec === undefined) continue;
    let active: ActiveFreeze[];
    try {
      active = freezesInForce(spec.gate.freezes, now, { namespaceLabels });
    } catch {
      // A freeze that does not parse holds releases at the gate (InvalidEnvironment); admission does not guess.
      continue;
    }
    for (const freeze of active) {
      // At admission nothing is approved yet: a Hotfix counts as approved-to-be, the gate demands the approval.
      const excepted = exceptionFor(freeze, { changeType: question.changeType, changeApproved: true });
      if (excepted !== undefined) continue;
      holding.push({ environment, freeze, hotfixes: (freeze.spec.exceptions ?? []).includes("Hotfix") });
    }
  }
  return holding;
}

/** Why a release freeze refuses this new object, naming each freeze, its environment, reason and end; or undefined. */
export async function freezeRefusal(
  question: FreezeQuestion,
  ctx: WebhookContext,
): Promise<Denial | undefined> {
  const holding = await holdingFreezes(question, ctx);
  if (holding.length === 0) return undefined;
  const named = holding.map((h) => `${describeFreeze(h.freeze)} on environment ${h.environment}`).join("; ");
  const hotfix =
    question.changeType !== "Hotfix" && holding.every((h) => h.hotfixes)
      ? " For an urgent fix, create the release with spec.changeType: Hotfix: the freeze lets a Hotfix enter once " +
        "its change is approved."
      : "";
  return deny(
    "Frozen",
    `a release freeze is in force: ${named}. ${capitalised(question.what)} cannot be created in its scope until ` +
      `it ends; create it after the freeze.${hotfix}`,
  );
}

/** Whether a new task of this type is feature work a freeze may refuse (not a rollback, verification or review). */
export function isFeatureWork(taskType: string | undefined): boolean {
  return taskType === undefined || !SAFETY_TASKS.has(taskType);
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
