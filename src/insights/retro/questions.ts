import type { ChangeView } from "../../audit/reports/change-view.js";
import type { RollbackStory } from "../../audit/reports/rollbacks.js";
import type { PatternHit } from "../patterns/patterns.js";
import type { Promotion } from "../patterns/promotions.js";
import { between, formatSpan } from "../patterns/span.js";
import type { RetroAlert } from "./health.js";
import type { EnvironmentWait } from "./waits.js";

/** A promotion with the patterns it showed. */
export interface JudgedPromotion {
  promotion: Promotion;
  hits: PatternHit[];
}

/** What the questions are drawn from: the release's promotions and patterns, waits, rollbacks, alerts and changes. */
export interface QuestionInput {
  judged: readonly JudgedPromotion[];
  waits: readonly EnvironmentWait[];
  rollbacks: readonly RollbackStory[];
  alerts: readonly RetroAlert[];
  changes: readonly ChangeView[];
}

function patternQuestion(environment: string, hit: PatternHit, emergency: boolean): string | undefined {
  switch (hit.pattern) {
    case "emergency":
      // Its own change was an emergency (with the approval's lead time), or the release had one there before.
      return hit.beforeMs === undefined && hit.evidence.startsWith("emergency change")
        ? `Before ${environment}: ${hit.evidence} — is its cause fixed, and was its review done before this promotion?`
        : `The change to ${environment} was an emergency change (${hit.evidence}) — was the review enough?`;
    case "lateApproval":
      // An emergency change approved late is asked about once, with the emergency.
      return emergency
        ? undefined
        : `In ${environment}, ${hit.evidence} — did the approvers have the time and the facts to review it?`;
    case "lateChecks":
      return `In ${environment}, ${hit.evidence} — was it done properly, or rushed to open the gate?`;
    case "outsideHours":
      return `${environment} was ${hit.evidence} — who was at hand had it gone wrong, and why deploy then?`;
    case "skippedStage":
      return `Before ${environment}: ${hit.evidence} — why, and should the pipeline or the freeze change?`;
    case "overdueTask":
      return `When ${environment} was deployed, ${hit.evidence} and not done — what held the review up?`;
  }
}

/**
 * The questions for the team this release raises, drawn from the patterns its promotions showed (the same patterns
 * `stagegate insights failures` counts), its failures, its rollback, its longest wait and its emergency reviews.
 * Each names the recorded facts it is drawn from. Pure.
 */
export function questionsFor(input: QuestionInput): string[] {
  const questions: string[] = [];
  for (const { promotion, hits } of input.judged) {
    // The promotion's own change was an emergency (its approval's lead time is asked about with it).
    const emergency = hits.some((h) => h.pattern === "emergency" && h.beforeMs !== undefined);
    for (const hit of hits) {
      const question = patternQuestion(promotion.environment, hit, emergency);
      if (question !== undefined) questions.push(question);
    }
    const failure =
      promotion.failures.find((f) => f.action === "EnvironmentFailed" || f.action === "VerificationFailed") ??
      promotion.failures[0];
    if (failure !== undefined) {
      const what = promotion.rolledBack ? "was rolled back" : "failed";
      questions.push(
        `${promotion.environment} ${what} (${failure.summary}) — what would have caught this before ${promotion.environment}?`,
      );
    }
  }
  for (const rollback of input.rollbacks) {
    const alert = input.alerts.find((a) => a.task === rollback.task);
    const from = alert?.firedAt ?? rollback.openedAt;
    const took =
      from === undefined || rollback.endedAt === undefined ? Number.NaN : between(from, rollback.endedAt);
    if (rollback.outcome.startsWith("open")) {
      questions.push(`Rollback ${rollback.task} has no recorded outcome — who is on it?`);
    } else if (!rollback.outcome.startsWith("completed")) {
      questions.push(
        `Rollback ${rollback.task} ended ${rollback.outcome} — what stopped it, and who decides now?`,
      );
    } else if (took >= 0) {
      questions.push(
        `The rollback in ${rollback.environment ?? "?"} took ${formatSpan(took)} from ` +
          `${alert === undefined ? "its opening" : `alert ${alert.alert} firing`} to completion — is that as fast as the team expects?`,
      );
    }
  }
  const longest = input.waits
    .flatMap((w) => w.parts.map((p) => ({ environment: w.environment, part: p })))
    .sort((a, b) => b.part.ms - a.part.ms)[0];
  if (longest !== undefined && longest.part.ms > 0) {
    questions.push(
      `The longest wait was ${longest.environment} ${longest.part.part}: ${longest.part.span} (${longest.part.between}) — ` +
        "is that where the time should go?",
    );
  }
  questions.push(...gateQuestions(input.waits));
  for (const change of input.changes) {
    if (change.breakGlass !== undefined) {
      questions.push(
        `Rollback ${change.breakGlass.rollbackTask} passed the freeze ${change.breakGlass.freezes.join(", ")} as ` +
          `break-glass under emergency change ${change.name} (${change.reviewStatus || "no review recorded"}) — ` +
          "was breaking the freeze right, and was the review enough?",
      );
    }
    if (change.reviewOverdue) {
      questions.push(
        `The post-implementation review of emergency change ${change.name} is overdue — who owns it, and when will it be done?`,
      );
    }
    if (change.separationViolated) {
      questions.push(
        `Separation of duties did not hold on ${change.name} (${change.separationOfDuties.message}) — how did that happen?`,
      );
    }
  }
  return questions;
}

/** What the gate's recorded waits ask: a refusal a person had to fix, a freeze or a window planned against. */
function gateQuestions(waits: readonly EnvironmentWait[]): string[] {
  const questions: string[] = [];
  for (const wait of waits) {
    const spans = wait.gate ?? [];
    const longest = (category: string) =>
      spans.filter((s) => s.category === category).sort((a, b) => b.ms - a.ms)[0];
    const refused = longest("refused");
    if (refused !== undefined) {
      questions.push(
        `The gate in ${wait.environment} refused the release for ${refused.span} (${refused.reasons.join(", ") || "no reason recorded"}) — ` +
          "what did a person have to change, and could it have been caught before the request?",
      );
    }
    const held = longest("freeze") ?? longest("window");
    if (held !== undefined) {
      const what = held.category === "freeze" ? "a freeze" : "a closed window";
      questions.push(
        `${wait.environment} waited ${held.span} on ${what} (${held.reasons.join(", ") || "no reason recorded"}) — ` +
          "was the release planned against the calendar (`stagegate calendar`)?",
      );
    }
  }
  return questions;
}
