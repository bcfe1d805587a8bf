import { z } from "zod";
import { ObjectName } from "./meta.js";

/** A full, immutable Git commit id: 40 (SHA-1) or 64 (SHA-256) lowercase hexadecimal characters. */
export const FullCommit = z
  .string()
  .max(64)
  .regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, "must be a full commit id (40 or 64 lowercase hex characters)");

/** A content digest such as `sha256:<64 hex>`. */
export const Digest = z
  .string()
  .regex(/^[a-z0-9]+:[a-f0-9]{32,128}$/, "must be a digest such as sha256:<hex>")
  .max(160);

/** What a release ships, independent of where it goes: its source commit and, where known, its digests. */
export const ArtifactIdentity = z
  .object({
    commit: FullCommit.describe("The full commit id of the release's source (spec.source.revision)."),
    digests: z.array(Digest).max(50).default([]).meta({
      description: "Image or chart digests the release ships, sorted, when it declares them.",
      "x-kubernetes-list-type": "set",
    }),
  })
  .describe("The artifact a gate clears: the full source commit and the digests the release ships.");
export type ArtifactIdentity = z.infer<typeof ArtifactIdentity>;

/** The delivery object a gate clears, and the exact revision it is to run there. */
export const TargetIdentity = z
  .object({
    kind: z
      .enum(["Application", "Kustomization", "HelmRelease"])
      .describe("The delivery kind: an Argo CD Application, a Flux Kustomization or a Flux HelmRelease."),
    namespace: ObjectName.describe("The namespace of the delivery object."),
    name: ObjectName.describe("The name of the delivery object."),
    revision: z
      .string()
      .min(1)
      .max(255)
      .regex(/^\S+$/, "must not contain spaces")
      .describe(
        "The revision the target runs: a full commit id, or for a HelmRelease an exact chart version. It may " +
          "differ from the artifact's commit (per-environment configuration commits); the change binds both.",
      ),
  })
  .describe("The delivery object and the revision it deploys.");
export type TargetIdentity = z.infer<typeof TargetIdentity>;

/**
 * The one value that names what a gate clears: this release (by UID, not by name), this environment, this
 * artifact, this target at this revision. ChangeRequests, check tasks, locks and audit entries carry it.
 */
export const GateBinding = z
  .object({
    release: z
      .object({
        name: ObjectName.describe("The Release's name."),
        uid: z
          .string()
          .min(1)
          .max(64)
          .describe("The Release's UID: a re-created release is another release."),
      })
      .describe("The Release the gate is cleared for."),
    environment: ObjectName.describe("The Environment whose gate is cleared."),
    artifact: ArtifactIdentity,
    target: TargetIdentity,
  })
  .describe(
    "Exactly what this object clears or attests: release (UID), environment, artifact and target. Written by " +
      "the operator when it opens the object; immutable afterwards.",
  );
export type GateBinding = z.infer<typeof GateBinding>;

/** The CEL rule that keeps a `binding` field as it was created: it cannot be added, changed or removed. */
export const IMMUTABLE_BINDING_RULE = {
  rule: "has(self.binding) == has(oldSelf.binding) && (!has(self.binding) || self.binding == oldSelf.binding)",
  message: "spec.binding is set when the object is opened and cannot be added, changed or removed afterwards",
  fieldPath: ".binding",
} as const;

/**
 * How `found` differs from `expected`, as a sentence naming the first differing part; undefined when they bind
 * the same thing. The one comparison the controllers and the webhooks use.
 */
export function bindingDifference(expected: GateBinding, found: GateBinding | undefined): string | undefined {
  if (found === undefined) return "it carries no binding (it was not opened by Stagegate for this release)";
  if (found.release.uid !== expected.release.uid || found.release.name !== expected.release.name) {
    return `it is bound to release ${found.release.name} (uid ${found.release.uid}), not ${expected.release.name} (uid ${expected.release.uid})`;
  }
  if (found.environment !== expected.environment) {
    return `it is bound to environment ${found.environment}, not ${expected.environment}`;
  }
  if (found.artifact.commit !== expected.artifact.commit) {
    return `it is bound to commit ${found.artifact.commit}, not ${expected.artifact.commit}`;
  }
  if (!sameSet(found.artifact.digests, expected.artifact.digests)) {
    return `it is bound to digests [${found.artifact.digests.join(", ")}], not [${expected.artifact.digests.join(", ")}]`;
  }
  const ft = found.target;
  const et = expected.target;
  if (ft.kind !== et.kind || ft.namespace !== et.namespace || ft.name !== et.name) {
    return `it is bound to ${ft.kind} ${ft.namespace}/${ft.name}, not ${et.kind} ${et.namespace}/${et.name}`;
  }
  if (ft.revision !== et.revision) {
    return `it is bound to target revision ${ft.revision}, not ${et.revision}`;
  }
  return undefined;
}

/** Whether two bindings clear exactly the same thing. */
export function sameBinding(a: GateBinding, b: GateBinding | undefined): boolean {
  return bindingDifference(a, b) === undefined;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((v, i) => v === sb[i]);
}
