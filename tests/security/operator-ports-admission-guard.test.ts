// Class 8, the operator's own admission controls: whoever can edit webhook configurations or admission policies
// (a cluster administrator, or anyone granted that by mistake) could switch off the checks the gate relies on. The
// operator, run as its own process with its webhooks registered, checks them: a deleted configuration, a webhook
// turned to failurePolicy Ignore, a caBundle swapped for another CA, an entry pointed elsewhere and a deleted policy
// binding each flip stagegate_admission_controls_intact to 0 and are named in the guard's message; restoring them
// flips it back to 1.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createWebhookTls } from "../../hack/local-cluster/webhook-tls.js";
import { admissionResources } from "../../src/controllers/admission-guard/guard.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import type { ResourceType } from "../../src/runtime/kube/resource.js";
import { deleteIgnoringMissing } from "../support/controller-world.js";
import { scrapeMetric, startE2eOperator, type E2eOperator } from "../support/e2e-operator.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";

const POLICY_FILE = path.join(
  import.meta.dirname,
  "..",
  "..",
  "config",
  "policy",
  "closed-objects-immutable.yaml",
);

/** A fresh copy of an object for re-creating it: no server-set metadata. */
function fresh(obj: KubeObject): Record<string, unknown> {
  const {
    resourceVersion: _rv,
    uid: _uid,
    creationTimestamp: _ct,
    managedFields: _mf,
    generation: _g,
    ...metadata
  } = obj.metadata as Record<string, unknown>;
  return { ...obj, metadata };
}

describe("class 8: the operator notices its admission controls missing or altered", () => {
  let admin: KubeClient;
  let namespace = "";
  let operator: E2eOperator;
  const id = Math.random().toString(16).slice(2, 8);
  const policy = `ports-guard-${Math.random().toString(16).slice(2, 8)}`;
  const names = () => ({
    mutating: `ports-${id}-stagegate-mutating-webhooks`,
    validating: `ports-${id}-stagegate-validating-webhooks`,
  });

  const intact = () => scrapeMetric(operator.metrics, "stagegate_admission_controls_intact", {});
  const waitIntact = (value: number, why: string) =>
    waitFor(
      `stagegate_admission_controls_intact to be ${value} (${why})`,
      async () => ((await intact()) === value ? true : undefined),
      { timeoutMs: 20_000 },
    );
  /** The guard's latest complaint, from its log. */
  const complaint = (pattern: RegExp) =>
    waitFor(`the guard to report ${pattern}`, () =>
      operator.process
        .logs()
        .find(
          (l) =>
            l.msg === "Found the admission controls missing or altered" && pattern.test(String(l.problems)),
        ),
    );

  /** Alters one object, waits for the metric to drop and the complaint, then restores it and waits for 1 again. */
  async function tamper(
    type: ResourceType,
    name: string,
    alter: (obj: Record<string, unknown>) => Record<string, unknown> | "delete",
    expected: RegExp,
  ): Promise<void> {
    const original = await admin.get(type, name);
    const altered = alter(structuredClone(original));
    if (altered === "delete") await admin.delete(type, name);
    else await admin.update(type, altered as KubeObject);
    await waitIntact(0, `after ${String(expected)}`);
    assert.equal(await intact(), 0, "the metric says the controls are not intact");
    await complaint(expected);
    if (altered === "delete") await admin.create(type, fresh(original));
    else {
      const current = await admin.get(type, name);
      await admin.update(type, {
        ...fresh(original),
        metadata: {
          ...(fresh(original).metadata as object),
          resourceVersion: current.metadata.resourceVersion,
        },
      } as KubeObject);
    }
    await waitIntact(1, "restored");
  }

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "ports-guard");
    // A copy of the shipped closed-object policy under a name of this test's own, so deleting its binding does not
    // switch off the shared cluster's policy for the other tests.
    for (const doc of parseAllDocuments(readFileSync(POLICY_FILE, "utf8"))) {
      const obj = doc.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> };
      const type =
        obj.kind === "ValidatingAdmissionPolicy" ? admissionResources.policy : admissionResources.binding;
      const spec = obj.kind === "ValidatingAdmissionPolicy" ? obj.spec : { ...obj.spec, policyName: policy };
      await admin.create(type, { ...obj, metadata: { name: policy }, spec });
    }
    operator = await startE2eOperator(admin, namespace, {
      id,
      namePrefix: "ports",
      admissionGuardInterval: "1s",
      closedObjectsPolicy: policy,
    });
  });
  after(async () => {
    await operator?.stop();
    if (admin !== undefined) {
      await deleteIgnoringMissing(admin, admissionResources.binding, policy);
      await deleteIgnoringMissing(admin, admissionResources.policy, policy);
      await deleteIgnoringMissing(admin, builtin.namespace, namespace);
      admin.close();
    }
  });

  it("reports the controls intact once the shipped configurations are registered", async () => {
    await waitIntact(1, "as registered");
  });

  it("flips to 0 while the validating webhook configuration is deleted, naming it", async () => {
    await tamper(
      admissionResources.validating,
      names().validating,
      () => "delete",
      new RegExp(`ValidatingWebhookConfiguration ${names().validating} is missing`),
    );
  });

  it("flips to 0 while a webhook is switched to failurePolicy Ignore", async () => {
    await tamper(
      admissionResources.mutating,
      names().mutating,
      (obj) => {
        const webhooks = obj.webhooks as { failurePolicy: string }[];
        webhooks[0]!.failurePolicy = "Ignore";
        return obj;
      },
      /has failurePolicy Ignore, not Fail/,
    );
  });

  it("flips to 0 while a caBundle trusts another CA (a man in the middle's)", async () => {
    const other = await createWebhookTls();
    try {
      await tamper(
        admissionResources.validating,
        names().validating,
        (obj) => {
          const webhooks = obj.webhooks as { clientConfig: { caBundle: string } }[];
          webhooks[0]!.clientConfig.caBundle = other.caBundle;
          return obj;
        },
        /caBundle that does not verify the operator's serving certificate/,
      );
    } finally {
      await other.remove();
    }
  });

  it("flips to 0 while a webhook points somewhere else", async () => {
    await tamper(
      admissionResources.mutating,
      names().mutating,
      (obj) => {
        const webhooks = obj.webhooks as { clientConfig: { url: string } }[];
        webhooks[0]!.clientConfig.url = "https://127.0.0.1:1/mutate/changerequests";
        return obj;
      },
      /does not point at this operator/,
    );
  });

  it("flips to 0 while the closed-object policy's binding is deleted", async () => {
    await tamper(
      admissionResources.binding,
      policy,
      () => "delete",
      new RegExp(`ValidatingAdmissionPolicyBinding ${policy} is missing`),
    );
  });
});
