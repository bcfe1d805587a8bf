import type { ChecklistItem, Evidence } from "../../api/v1alpha1/deployment-task.js";
import { agree, nameList, sentence } from "./wording.js";

/**
 * Where a checklist stands: `Failed` when any item failed, `Complete` when every required item counts as done,
 * `NoRequiredItems` when there is nothing that could complete it, `Incomplete` otherwise.
 */
export type ChecklistOutcome = "Failed" | "Complete" | "NoRequiredItems" | "Incomplete";

/** The checklist's outcome with the status `progress` string and a message a person can act on. */
export interface ChecklistVerdict {
  outcome: ChecklistOutcome;
  /** Required items done, as `done/required`. */
  progress: string;
  message: string;
}

/**
 * Decides what a checklist says about its task. Any Failed item (required or not) fails the task, as the API
 * documents. A required item counts as done only when it is Done and, if it requires evidence, carries
 * evidence that points somewhere (a `uri` or a `digest`) and does not record a Failed result; the message says
 * which Done items do not count and why. A checklist without required items never completes on its own, so an
 * empty task cannot slip through a gate before anyone has written its steps.
 */
export function assessChecklist(items: readonly ChecklistItem[]): ChecklistVerdict {
  const required = items.filter((item) => item.required);
  const done = required.filter((item) => item.state === "Done" && evidenceProblem(item) === undefined);
  const progress = `${done.length}/${required.length}`;
  const failed = items.filter((item) => item.state === "Failed").map((item) => item.name);
  if (failed.length > 0) {
    const verb = agree(failed, "has", "have");
    return {
      outcome: "Failed",
      progress,
      message: sentence([`checklist ${nameList("item", "items", failed)} ${verb} failed`]),
    };
  }
  if (required.length === 0) {
    const what = items.length === 0 ? "the checklist is empty" : "the checklist has no required items";
    return {
      outcome: "NoRequiredItems",
      progress,
      message: sentence([what, "add at least one required item so the task can succeed"]),
    };
  }
  if (done.length === required.length) {
    const all =
      required.length === 1
        ? "the required checklist item is"
        : `all ${required.length} required checklist items are`;
    return { outcome: "Complete", progress, message: sentence([`${all} done`]) };
  }
  return { outcome: "Incomplete", progress, message: describeIncomplete(required, done.length) };
}

/** Why a Done item does not count yet, or `undefined` when it counts. */
function evidenceProblem(item: ChecklistItem): "missing" | "failed" | undefined {
  if (!item.requiresEvidence) return undefined;
  if (!hasEvidence(item.evidence)) return "missing";
  return item.evidence?.result === "Failed" ? "failed" : undefined;
}

function hasEvidence(evidence: Evidence | undefined): boolean {
  return (evidence?.uri ?? "") !== "" || (evidence?.digest ?? "") !== "";
}

function describeIncomplete(required: readonly ChecklistItem[], doneCount: number): string {
  const open = required.filter((item) => item.state !== "Done").map((item) => item.name);
  const doneItems = required.filter((item) => item.state === "Done");
  const missing = doneItems.filter((item) => evidenceProblem(item) === "missing").map((item) => item.name);
  const refuted = doneItems.filter((item) => evidenceProblem(item) === "failed").map((item) => item.name);
  return sentence([
    `${doneCount} of ${required.length} required checklist items are done`,
    open.length > 0 ? `waiting for ${nameList("item", "items", open)}` : "",
    missing.length > 0
      ? `${nameList("item", "items", missing)} ${agree(missing, "is", "are")} Done but ` +
        `${agree(missing, "has", "have")} no evidence attached, which ${agree(missing, "it requires", "they require")}`
      : "",
    refuted.length > 0
      ? `${nameList("item", "items", refuted)} ${agree(refuted, "is", "are")} Done but ` +
        `${agree(refuted, "its", "their")} evidence records a Failed result`
      : "",
  ]);
}
