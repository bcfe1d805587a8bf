import { isEmergency, type ChangeStory } from "./changes.js";

/** A change as a template shows it: the story plus the judgements a template cannot compute. */
export interface ChangeView extends ChangeStory {
  emergency: boolean;
  approved: boolean;
  separationViolated: boolean;
  /** Whether the emergency's review is missing or incomplete while due by `asOf`. */
  reviewOverdue: boolean;
  reviewStatus: string;
}

/** The view of a story as of a time (the report's end), judging whether its review is overdue. Pure. */
export function changeView(story: ChangeStory, asOf: Date): ChangeView {
  const emergency = isEmergency(story);
  const review = story.review;
  let reviewStatus = "";
  let reviewOverdue = false;
  if (emergency) {
    if (review === undefined) {
      reviewStatus = "no post-implementation review task was recorded";
      reviewOverdue = story.resolution === "Approved";
    } else {
      const last = review.completed.at(-1);
      const due = review.dueAt === undefined ? undefined : Date.parse(review.dueAt);
      if (last !== undefined) {
        reviewStatus = `review ${review.task}: ${last.items.join(", ")} by ${last.by} at ${last.time}`;
      } else {
        reviewOverdue = due !== undefined && due <= asOf.getTime();
        reviewStatus = `review ${review.task} due at ${review.dueAt ?? "an unrecorded time"}, owned by ${review.owners.join(", ")}: nothing completed${reviewOverdue ? " (OVERDUE)" : " yet"}`;
      }
    }
  }
  return {
    ...story,
    emergency,
    approved: story.resolution === "Approved",
    separationViolated: story.separationOfDuties.verdict === "violated",
    reviewOverdue,
    reviewStatus,
  };
}
