import { createHash } from "node:crypto";
import type { WorkflowPin } from "../api/v1alpha1/workflow-pin.js";
import { WorkflowTemplateSpec } from "../api/v1alpha1/workflow-template.js";
import { canonicalJson } from "../audit/canonical-hash.js";

/** A WorkflowTemplate as read from the API server: what its pin copies. */
export interface TemplateObject {
  metadata: { name: string; uid?: string | undefined; generation?: number | undefined };
  spec?: unknown;
}

/** The pin of a template, or why it cannot be pinned (a spec the schema does not admit). */
export type PinResult = { ok: true; pin: WorkflowPin } | { ok: false; problem: string };

/** sha256 of the canonical JSON of a template spec, as `spec.workflow.digest` records it. */
export function templateDigest(spec: WorkflowTemplateSpec): string {
  return `sha256:${createHash("sha256").update(canonicalJson(spec)).digest("hex")}`;
}

/**
 * The copy of `template` a Release created now is stamped with: its name, UID, generation, digest and spec with
 * the defaults applied. Pure.
 */
export function pinTemplate(template: TemplateObject): PinResult {
  const spec = WorkflowTemplateSpec.safeParse(template.spec);
  if (!spec.success) {
    const issue = spec.error.issues[0];
    const path = issue === undefined ? "spec" : ["spec", ...issue.path.map(String)].join(".");
    return { ok: false, problem: `${path}: ${issue?.message ?? "invalid"}` };
  }
  const { name, uid, generation } = template.metadata;
  if (uid === undefined || generation === undefined) {
    return {
      ok: false,
      problem: "the template has no UID or generation (it was not read from the API server)",
    };
  }
  return {
    ok: true,
    pin: { template: name, uid, generation, digest: templateDigest(spec.data), spec: spec.data },
  };
}
