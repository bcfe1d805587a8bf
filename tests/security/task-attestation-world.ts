// The world of the task-attestation attacks: bound check tasks opened by the operator's own identity (as the
// Release controller opens them), each attempt made as one least-privileged person, and what to assert after it
// (refused by the named rule with a fix, the task unchanged, the denial on the operator's audit trail).
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import type { IdentityName } from "../../hack/local-cluster/identities.js";
import { API_VERSION } from "../../src/api/v1alpha1/group.js";
import type { GateBinding } from "../../src/api/v1alpha1/binding.js";
import type { StoredAuditEntry } from "../../src/audit/entry.js";
import { resources } from "../../src/controllers/resources.js";
import { ApiError } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { readAuditEntries } from "../e2e/promotion-audit.js";
import { clientFor, waitFor } from "../support/kube.js";

/** A fresh artifact: a full commit and one image digest. */
export function artifact(): { commit: string; digest: string } {
  return { commit: randomBytes(20).toString("hex"), digest: `sha256:${randomBytes(32).toString("hex")}` };
}

/** The binding the operator records on a check task for `release` in `environment`. */
export function bindingFor(namespace: string, environment: string, art = artifact()): GateBinding {
  return {
    release: { name: "shop", uid: randomUUID() },
    environment,
    artifact: { commit: art.commit, digests: [art.digest] },
    target: { kind: "Application", namespace, name: "shop-prod", revision: art.commit },
  };
}

/** A DeploymentTask manifest; `spec` is written as given. */
export function taskManifest(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind: "DeploymentTask", metadata: { name }, spec };
}

/** The people of the attacks, each a client acting as that identity. */
export type People = Record<IdentityName, KubeClient>;

/** Opens a client for every identity the attacks use. */
export async function people(): Promise<People> {
  const names = ["admin", "operator", "alice", "bob", "carol", "dave", "erin", "mallory"] as const;
  const clients = await Promise.all(names.map((name) => clientFor(name)));
  return Object.fromEntries(names.map((name, i) => [name, clients[i]])) as People;
}

/** Reads a task as the admin. */
export function readTask(admin: KubeClient, namespace: string, name: string): Promise<KubeObject> {
  return admin.get(resources.deploymentTask, name, namespace);
}

/**
 * Waits until the DeploymentTask controller has written the status of the task's current generation, so nothing
 * of the operator's is in flight when an attempt's resourceVersion is compared.
 */
export async function settled(admin: KubeClient, namespace: string, name: string): Promise<KubeObject> {
  return waitFor(`task ${name}'s status to catch up with its spec`, async () => {
    const task = await readTask(admin, namespace, name);
    const observed = (task.status as { observedGeneration?: number } | undefined)?.observedGeneration;
    return observed !== undefined && observed === task.metadata.generation ? task : undefined;
  });
}

/** The checklist of `task` with `change` merged into the item `item` (a JSON merge patch replaces the list). */
export function checklistWith(
  task: KubeObject,
  item: string,
  change: Record<string, unknown>,
): Record<string, unknown>[] {
  const list = (task.spec as { checklist: Record<string, unknown>[] }).checklist;
  assert.ok(
    list.some((entry) => entry.name === item),
    `task ${task.metadata.name} has item ${item}`,
  );
  return list.map((entry) => (entry.name === item ? { ...entry, ...change } : { ...entry }));
}

/** What an attempt must end in: the rule that refuses it and what the message must say (field and fix). */
export interface Refusal {
  rule: string;
  says: readonly RegExp[];
}

/** Where the attempts happen: the namespace, the admin's eyes and the operator's audit trail. */
export interface AttemptScope {
  namespace: string;
  admin: KubeClient;
  auditFile: string;
}

/**
 * Makes `write` as `who` against task `name` and asserts the three things every attack must show: the API server
 * refused it with the webhook's rule and a message naming the field and the fix; the task's resourceVersion did
 * not move; the denial is on the operator's audit trail, as `who`, about this task, with that rule.
 */
export async function assertRefused(
  scope: AttemptScope,
  who: string,
  name: string,
  write: () => Promise<unknown>,
  refusal: Refusal,
): Promise<StoredAuditEntry> {
  const before = await settled(scope.admin, scope.namespace, name);
  const mark = readAuditEntries(scope.auditFile).length;
  const error = await write().then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(error instanceof ApiError, `${who}'s write to ${name} was refused (got ${String(error)})`);
  assert.equal(error.status, 403, error.message);
  assert.match(error.message, new RegExp(`denied the request: ${refusal.rule}: `), error.message);
  for (const says of refusal.says) assert.match(error.message, says);
  const after = await readTask(scope.admin, scope.namespace, name);
  assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, `${name} was not written`);
  return deniedEntry(scope, mark, who, name, refusal.rule);
}

/** The AdmissionDenied entry recorded after `mark` for `who`'s write to `name` by `rule`; fails when missing. */
export function deniedEntry(
  scope: AttemptScope,
  mark: number,
  who: string,
  name: string,
  rule: string,
): StoredAuditEntry {
  const entry = readAuditEntries(scope.auditFile)
    .slice(mark)
    .find(
      (e) =>
        e.action === "AdmissionDenied" &&
        e.actor === who &&
        e.object.kind === "DeploymentTask" &&
        e.object.name === name &&
        e.details.rule === rule,
    );
  assert.ok(entry !== undefined, `the audit trail records ${who}'s refused write to ${name} (${rule})`);
  return entry;
}
