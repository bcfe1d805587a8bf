import { z } from "zod";
import type { EnvironmentSpec } from "../api/v1alpha1/environment.js";
import { targetIdentity } from "../api/v1alpha1/release-binding.js";
import { ReleaseSpec } from "../api/v1alpha1/release.js";
import { isDeepStrictEqual } from "node:util";
import type { AdmissionResponse } from "./admission-review.js";
import { refuse, settle } from "./audit-outcome.js";
import { freezeRefusal } from "./freeze-admission.js";
import { releaseStillRunning } from "./release-deletion.js";
import { judgeRelease } from "./release-rules.js";
import { isOperator } from "./task-webhooks.js";
import { ALLOWED, deny } from "./verdict.js";
import type { AdmissionHandler, WebhookContext } from "./webhook-context.js";

const ReleaseView = z.looseObject({
  metadata: z.looseObject({ deletionTimestamp: z.string().optional() }).default({}),
  spec: z.unknown(),
});

async function environmentsOf(
  ctx: WebhookContext,
  spec: ReleaseSpec,
): Promise<Map<string, EnvironmentSpec | undefined>> {
  const names = new Set([...spec.pipeline, ...spec.targets.map((t) => t.environment)]);
  const found = new Map<string, EnvironmentSpec | undefined>();
  for (const name of names) found.set(name, await ctx.lookupEnvironment(name));
  return found;
}

async function labelsOf(
  ctx: WebhookContext,
  spec: ReleaseSpec,
): Promise<Map<string, Record<string, string> | undefined>> {
  const labels = new Map<string, Record<string, string> | undefined>();
  const lookup = ctx.lookupDeliveryLabels;
  for (const target of spec.targets) {
    // Without access to delivery objects, judge by namespace only (an empty label set), the controller by labels.
    labels.set(target.environment, lookup === undefined ? {} : await lookup(targetIdentity(target, spec)));
  }
  return labels;
}

/**
 * `/validate/releases`: a Release may only target delivery objects its environments own, follow each
 * environment's promotesFrom without skipping a stage, and ask gated environments for immutable revisions only.
 * Judged on CREATE and on every UPDATE that changes the spec (metadata and status updates, such as the operator's
 * finalizer, pass). On CREATE, a release freeze in force in its scope refuses a new Feature release (a Hotfix
 * where the freeze lets hotfixes in). On DELETE, a person may not delete the release that runs in an environment
 * (`releaseStillRunning`, ADR 0069). Every denial is an AdmissionDenied audit entry; the controller checks the same again before
 * every write, since Environments change after admission.
 */
export const validateRelease: AdmissionHandler = async (request, ctx): Promise<AdmissionResponse> => {
  if (request.operation === "DELETE") {
    return settle(request, ctx, await releaseStillRunning(request, ctx, isOperator(request, ctx)));
  }
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") return settle(request, ctx, ALLOWED);
  const current = ReleaseView.safeParse(request.object);
  if (!current.success) {
    return refuse(request, ctx, deny("MalformedRequest", "object is not a Release; send a Release."));
  }
  if (request.operation === "UPDATE") {
    const old = ReleaseView.safeParse(request.oldObject);
    const specChanged = !old.success || !isDeepStrictEqual(old.data.spec, current.data.spec);
    if (!specChanged || current.data.metadata.deletionTimestamp !== undefined)
      return settle(request, ctx, ALLOWED);
  }
  const spec = ReleaseSpec.safeParse(current.data.spec);
  if (!spec.success) {
    // The API server's schema validation reports the field; nothing here to judge.
    return settle(request, ctx, ALLOWED);
  }
  const verdict = judgeRelease(spec.data, {
    environments: await environmentsOf(ctx, spec.data),
    targetLabels: await labelsOf(ctx, spec.data),
  });
  if (!verdict.allowed || request.operation !== "CREATE") return settle(request, ctx, verdict);
  const changeType = spec.data.changeType ?? "Feature";
  const frozen = await freezeRefusal(
    {
      what: `a new ${changeType} release going to ${spec.data.pipeline.join(", ")}`,
      namespace: request.namespace,
      environments: spec.data.pipeline,
      changeType,
    },
    ctx,
  );
  return frozen === undefined ? settle(request, ctx, verdict) : refuse(request, ctx, frozen);
};
