import type { CelRule } from "./kind-definition.js";

/** The longest Release name: every child and every Event labels itself with it, and label values hold 63. */
export const MAX_RELEASE_NAME = 63;

/**
 * The CEL rule that bounds a Release's name, so the `stagegate.io/release` label on its ChangeRequests,
 * DeploymentTasks and locks carries the name itself rather than a shortened hash of it. It judges creation only
 * (names are immutable): a Release stored before the rule keeps taking status writes, finalizer removal and edits.
 */
export const RELEASE_NAME_RULE: CelRule = {
  rule: `oldSelf.hasValue() || size(self.metadata.name) <= ${MAX_RELEASE_NAME}`,
  optionalOldSelf: true,
  message:
    `a Release name must be at most ${MAX_RELEASE_NAME} characters (the longest label value): choose a ` +
    "shorter metadata.name, for example shop-2-14-0",
  reason: "FieldValueInvalid",
};
