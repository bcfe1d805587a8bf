import type { IdentityName } from "../../../hack/local-cluster/index.js";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import { kubectl } from "../../support/cluster.js";

/** A ChangeRequest manifest; `spec` fields override the defaults. */
export function changeRequestManifest(
  name: string,
  spec: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: "ChangeRequest",
    metadata: { name },
    spec: {
      releaseRef: { name: "payments-2.14.0" },
      environment: "prod",
      type: "Normal",
      justification: "Card authorisations fail on gateway timeouts (PAY-1234).",
      plannedWindow: { start: "2030-12-08T08:00:00Z", end: "2030-12-08T10:00:00Z" },
      ...spec,
    },
  };
}

/** An Approval manifest as the operator opens it (no decisions unless given). */
export function approvalManifest(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: "Approval",
    metadata: { name },
    spec: {
      changeRequestRef: { name },
      required: 2,
      eligible: { groups: ["approvers"] },
      ...spec,
    },
  };
}

/** The result of a kubectl call that is expected to be refused. */
export interface Refusal {
  code: number;
  stderr: string;
}

/** Runs kubectl as `identity` in `namespace`, with `manifest` on stdin when given. */
export async function kubectlIn(
  identity: IdentityName,
  namespace: string,
  args: readonly string[],
  manifest?: unknown,
) {
  const input = manifest === undefined ? {} : { input: JSON.stringify(manifest) };
  return kubectl(identity, ["-n", namespace, ...args], input);
}

/** Like {@link kubectlIn}, but throws with kubectl's stderr when it fails; for steps that must succeed. */
export async function kubectlInOrThrow(
  identity: IdentityName,
  namespace: string,
  args: readonly string[],
  manifest?: unknown,
): Promise<string> {
  const result = await kubectlIn(identity, namespace, args, manifest);
  if (result.code !== 0)
    throw new Error(`kubectl ${args.join(" ")} as ${identity} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Merge-patches an object (or its status) as `identity`. */
export function mergePatch(
  identity: IdentityName,
  namespace: string,
  resource: string,
  patch: unknown,
  subresource?: "status",
) {
  const sub = subresource === undefined ? [] : [`--subresource=${subresource}`];
  return kubectlIn(identity, namespace, [
    "patch",
    resource,
    ...sub,
    "--type=merge",
    "-p",
    JSON.stringify(patch),
  ]);
}

/** Reads an object as JSON (as the admin). */
export async function getObject(namespace: string, resource: string): Promise<Record<string, unknown>> {
  return JSON.parse(await kubectlInOrThrow("admin", namespace, ["get", resource, "-o", "json"])) as Record<
    string,
    unknown
  >;
}
