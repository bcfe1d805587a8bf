import type { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { EnvironmentSpec as EnvironmentSpecSchema } from "../../../src/api/v1alpha1/environment.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import type {
  AdmissionRequest,
  AdmissionResponse,
  JsonPatchOperation,
  UserInfo,
} from "../../../src/webhooks/admission-review.js";
import type { WebhookContext } from "../../../src/webhooks/webhook-context.js";
import { checklistFor } from "../../../src/controllers/release/checklists.js";
import { mutateDeploymentTask, validateDeploymentTask } from "../../../src/webhooks/task-webhooks.js";
import { MemoryAudit } from "../../support/memory-audit.js";

/** The webhook's clock in unit tests. */
export const NOW = new Date("2030-01-01T12:00:00Z");

/** `NOW` moved by `ms`, as an RFC 3339 string. */
export const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();

export const HOUR = 3_600_000;

/** The identities of the local cluster, as the API server reports them in userInfo. */
export const users = {
  alice: { username: "alice", groups: ["approvers", "system:authenticated"] },
  carol: { username: "carol", groups: ["approvers", "cab", "system:authenticated"] },
  erin: { username: "erin", groups: ["developers", "emergency-approvers", "system:authenticated"] },
  grace: { username: "grace@example.com", groups: ["approvers", "system:authenticated"] },
  bob: { username: "bob", groups: ["developers", "system:authenticated"] },
  admin: { username: "admin", groups: ["system:masters", "system:authenticated"] },
} as const satisfies Record<string, UserInfo>;

/** A decision as the mutating webhook leaves it for `user` at `NOW`. */
export function stampedDecision(
  user: UserInfo,
  decision = "Approve",
  comment = "ok",
): Record<string, unknown> {
  return { decision, comment, decidedAt: NOW.toISOString().replace(".000Z", "Z"), groups: [...user.groups] };
}

/** An Approval object as the API server would send it. */
export function approvalObject(
  options: {
    decisions?: Record<string, unknown>;
    eligible?: { users?: string[]; groups?: string[] };
    excluded?: { user: string; reason: string }[];
    status?: Record<string, unknown>;
    name?: string;
    required?: number;
  } = {},
): Record<string, unknown> {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Approval",
    metadata: { name: options.name ?? "payments-prod", namespace: "team-a", uid: "uid-approval" },
    spec: {
      changeRequestRef: { name: "payments-prod" },
      required: options.required ?? 1,
      eligible: { users: [], groups: ["approvers"], ...options.eligible },
      requiredGroups: [],
      excluded: options.excluded ?? [],
      decisions: options.decisions ?? {},
    },
    ...(options.status === undefined ? {} : { status: options.status }),
  };
}

/** A ChangeRequest object as the API server would send it. */
export function changeRequestObject(spec: Record<string, unknown> = {}, status?: Record<string, unknown>) {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "ChangeRequest",
    metadata: { name: "payments-prod", namespace: "team-a", uid: "uid-cr" },
    spec: {
      releaseRef: { name: "payments-2.14.0" },
      environment: "prod",
      type: "Normal",
      justification: "Fixes refunds.",
      plannedWindow: { start: at(HOUR), end: at(2 * HOUR) },
      ...spec,
    },
    ...(status === undefined ? {} : { status }),
  };
}

/** An admission request for `kind` (ChangeRequest, Approval or DeploymentTask). */
export function admissionRequest(options: {
  kind: "ChangeRequest" | "Approval" | "DeploymentTask";
  operation: AdmissionRequest["operation"];
  user: UserInfo;
  object?: Record<string, unknown> | null;
  oldObject?: Record<string, unknown> | null;
  dryRun?: boolean;
  /** The object's name; `payments-prod` unless given. */
  name?: string;
}): AdmissionRequest {
  const plural = `${options.kind.toLowerCase()}s`;
  return {
    uid: "review-1",
    kind: { group: "stagegate.io", version: "v1alpha1", kind: options.kind },
    resource: { group: "stagegate.io", version: "v1alpha1", resource: plural },
    name: options.name ?? "payments-prod",
    namespace: "team-a",
    operation: options.operation,
    userInfo: { ...options.user, groups: [...options.user.groups] },
    object: options.object ?? null,
    oldObject: options.oldObject ?? null,
    dryRun: options.dryRun ?? false,
  };
}

/** A parsed Environment spec with the given gate fields. */
export function environment(gate: Record<string, unknown> = {}): EnvironmentSpec {
  return EnvironmentSpecSchema.parse({ regulated: true, gate });
}

/** A handler context over an in-memory audit trail and a fixed set of Environments. */
export function testContext(
  environments: Record<string, EnvironmentSpec> = { prod: environment() },
  now: Date = NOW,
): { ctx: WebhookContext; audit: MemoryAudit } {
  const audit = new MemoryAudit();
  const ctx: WebhookContext = {
    audit,
    lookupEnvironment: (name) => Promise.resolve(environments[name]),
    log: silentLogger,
    now: () => now,
  };
  return { ctx, audit };
}

/** The JSONPatch of a response, decoded. */
export function patchOf(response: AdmissionResponse): JsonPatchOperation[] {
  if (response.patch === undefined) return [];
  return JSON.parse(Buffer.from(response.patch, "base64").toString("utf8")) as JsonPatchOperation[];
}

/** Applies `add` and `remove` operations (all the webhooks emit) to a copy of `target`, decoding JSON Pointer escapes. */
export function applyPatch(target: Record<string, unknown>, ops: readonly JsonPatchOperation[]) {
  const copy = structuredClone(target);
  for (const op of ops) {
    const tokens = op.path
      .split("/")
      .slice(1)
      .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
    const last = tokens.pop() ?? "";
    let node = copy;
    for (const token of tokens) node = node[token] as Record<string, unknown>;
    if (op.op === "remove") delete node[last];
    else node[last] = op.value;
  }
  return copy;
}

/** A DeploymentTask as the webhooks receive it; only what the tests change is typed. */
export type TaskObject = Record<string, unknown> & {
  metadata: Record<string, unknown> & { annotations?: Record<string, string> };
  spec: Record<string, unknown> & { log?: Record<string, unknown>[]; cancelled?: boolean };
};

/**
 * The Rollback task `shop-prod-rollback-1` of release shop in prod, owned by dave, as stored, with `annotations`
 * and `spec` fields added or replaced.
 */
export function rollbackTaskObject(
  annotations: Record<string, string> = {},
  spec: Record<string, unknown> = {},
): TaskObject {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "DeploymentTask",
    metadata: { name: "shop-prod-rollback-1", namespace: "team-a", uid: "uid-task", annotations },
    spec: {
      type: "Rollback",
      title: "Roll back shop in prod",
      releaseRef: { name: "shop" },
      environment: "prod",
      owners: [{ kind: "User", name: "dave" }],
      checklist: checklistFor("Rollback").map((item) => ({ ...item, state: "Pending" })),
      ...spec,
    },
  };
}

/**
 * Runs a person's (or the operator's) DeploymentTask write through both webhooks as the API server does: mutate,
 * apply the patch, validate. `ctx` decides who the operator is and what the lookups answer.
 */
export async function admitTaskWrite(
  ctx: WebhookContext,
  user: UserInfo,
  after: TaskObject,
  before?: TaskObject,
): Promise<{ response: AdmissionResponse; object: TaskObject }> {
  const operation = before === undefined ? "CREATE" : "UPDATE";
  const request = (object: TaskObject) =>
    admissionRequest({
      kind: "DeploymentTask",
      name: "shop-prod-rollback-1",
      operation,
      user,
      object,
      oldObject: before,
    });
  const mutated = await mutateDeploymentTask(request(after), ctx);
  if (!mutated.allowed) return { response: mutated, object: after };
  const object = applyPatch(after, patchOf(mutated)) as TaskObject;
  return { response: await validateDeploymentTask(request(object), ctx), object };
}
