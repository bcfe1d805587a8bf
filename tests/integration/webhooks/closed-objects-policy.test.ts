import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import type { IdentityName } from "../../../hack/local-cluster/index.js";
import { createNamespace, deleteNamespace, kubectlOrThrow } from "../api/api-test-helpers.js";
import { waitFor } from "../../support/kube.js";
import {
  approvalManifest,
  changeRequestManifest,
  getObject,
  kubectlIn,
  kubectlInOrThrow,
  mergePatch,
} from "./webhook-test-objects.js";

const POLICY_DIR = fileURLToPath(new URL("../../../config/policy/", import.meta.url));
const CLOSED_AT = "2030-01-01T10:00:00Z";
const CLOSED = { closedAt: CLOSED_AT, retainUntil: "2030-04-01T10:00:00Z" };

/** The policy's message for a closed object. */
const frozen = (kind: string, name: string) =>
  `${kind} ${name} is closed (closedAt ${CLOSED_AT}): its spec, decisions and status can no longer change`;

interface Attempt {
  situation: string;
  identity: IdentityName;
  kind: "ChangeRequest" | "Approval";
  patch: unknown;
  subresource?: "status";
  /** A JSON patch instead of a merge patch. */
  json?: boolean;
  expected: "denied" | "allowed";
}

const decision = { decision: "Approve", comment: "late", decidedAt: "2030-01-01T11:00:00Z", groups: ["cab"] };

const attempts: Attempt[] = [
  {
    situation: "the admin changes the spec",
    identity: "admin",
    kind: "ChangeRequest",
    patch: { spec: { justification: "Rewritten." } },
    expected: "denied",
  },
  {
    situation: "the admin changes the resolution",
    identity: "admin",
    kind: "ChangeRequest",
    patch: { status: { resolution: "Approved" } },
    subresource: "status",
    expected: "denied",
  },
  {
    situation: "the admin removes closedAt",
    identity: "admin",
    kind: "ChangeRequest",
    patch: [{ op: "remove", path: "/status/closedAt" }],
    subresource: "status",
    json: true,
    expected: "denied",
  },
  {
    situation: "the admin moves retainUntil",
    identity: "admin",
    kind: "ChangeRequest",
    patch: { status: { retainUntil: "2030-01-02T00:00:00Z" } },
    subresource: "status",
    expected: "denied",
  },
  {
    situation: "the admin adds a decision",
    identity: "admin",
    kind: "Approval",
    patch: { spec: { decisions: { carol: decision } } },
    expected: "denied",
  },
  {
    situation: "alice (an approver) adds her decision",
    identity: "alice",
    kind: "Approval",
    patch: { spec: { decisions: { alice: decision } } },
    expected: "denied",
  },
  {
    situation: "the admin changes the outcome",
    identity: "admin",
    kind: "Approval",
    patch: { status: { outcome: "Approved" } },
    subresource: "status",
    expected: "denied",
  },
  {
    situation: "the admin removes closedAt",
    identity: "admin",
    kind: "Approval",
    patch: [{ op: "remove", path: "/status/closedAt" }],
    subresource: "status",
    json: true,
    expected: "denied",
  },
  {
    situation: "the admin labels it",
    identity: "admin",
    kind: "ChangeRequest",
    patch: { metadata: { labels: { audited: "yes" } } },
    expected: "allowed",
  },
  {
    situation: "alice labels it",
    identity: "alice",
    kind: "Approval",
    patch: { metadata: { labels: { seen: "alice" } } },
    expected: "allowed",
  },
];

describe("closed ChangeRequests and Approvals are immutable for everyone (ValidatingAdmissionPolicy)", () => {
  let namespace = "";
  const names = { ChangeRequest: "payments-prod", Approval: "payments-prod" };
  const resource = (kind: Attempt["kind"]) => `${kind.toLowerCase()}/${names[kind]}`;
  const snapshots: Record<string, unknown> = {};

  before(async () => {
    // Idempotent: local clusters already have config/policy; a cluster started before it existed gets it here.
    await kubectlOrThrow("admin", [
      "apply",
      "--server-side",
      "--field-manager=stagegate-local-cluster",
      "--force-conflicts",
      // -k: the directory's kustomization.yaml (config/default builds on it) is not an object to apply.
      "-k",
      POLICY_DIR,
    ]);
    namespace = await createNamespace("closed-policy");
    await kubectlInOrThrow(
      "admin",
      namespace,
      ["create", "-f", "-"],
      changeRequestManifest(names.ChangeRequest),
    );
    await kubectlInOrThrow("admin", namespace, ["create", "-f", "-"], approvalManifest(names.Approval));
    await kubectlInOrThrow("admin", namespace, ["create", "-f", "-"], changeRequestManifest("still-open"));
    // Close both as the operator would: closedAt and retainUntil in one status write.
    const closeCr = await mergePatch(
      "admin",
      namespace,
      resource("ChangeRequest"),
      // No resolution here: with one, the CRD's own rule (spec frozen once approval started) would answer a spec
      // edit before the policy does, and this file is about the policy.
      { status: CLOSED },
      "status",
    );
    assert.equal(closeCr.code, 0, closeCr.stderr);
    const closeApproval = await mergePatch(
      "admin",
      namespace,
      resource("Approval"),
      { status: { outcome: "Rejected", ...CLOSED } },
      "status",
    );
    assert.equal(closeApproval.code, 0, closeApproval.stderr);
    // The API server loads new policies asynchronously: wait (bounded) until it enforces this one.
    await waitFor("the closed-objects policy to be enforced", async () => {
      const probe = await kubectlIn("admin", namespace, [
        "patch",
        resource("ChangeRequest"),
        "--dry-run=server",
        "--type=merge",
        "-p",
        '{"spec":{"justification":"probe"}}',
      ]);
      return probe.code !== 0 && probe.stderr.includes("is closed") ? true : undefined;
    });
    for (const kind of ["ChangeRequest", "Approval"] as const) {
      const object = await getObject(namespace, resource(kind));
      snapshots[kind] = { spec: object.spec, status: object.status };
    }
  });
  after(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  for (const row of attempts) {
    it(`${row.kind}: ${row.situation}: ${row.expected}`, async () => {
      const args = [
        "patch",
        resource(row.kind),
        `--type=${row.json === true ? "json" : "merge"}`,
        "-p",
        JSON.stringify(row.patch),
      ];
      if (row.subresource !== undefined) args.push(`--subresource=${row.subresource}`);
      const result = await kubectlIn(row.identity, namespace, args);
      if (row.expected === "allowed") {
        assert.equal(result.code, 0, result.stderr);
      } else {
        assert.notEqual(result.code, 0);
        assert.ok(result.stderr.includes(frozen(row.kind, names[row.kind])), result.stderr);
        assert.ok(result.stderr.includes("ValidatingAdmissionPolicy"), result.stderr);
      }
      const object = await getObject(namespace, resource(row.kind));
      assert.deepEqual(
        { spec: object.spec, status: object.status },
        snapshots[row.kind],
        "spec and status unchanged",
      );
    });
  }

  it("leaves open objects alone: the admin still edits an open ChangeRequest's spec", async () => {
    const result = await mergePatch("admin", namespace, "changerequest/still-open", {
      spec: { justification: "Also PAY-1301." },
    });
    assert.equal(result.code, 0, result.stderr);
    const object = await getObject(namespace, "changerequest/still-open");
    assert.equal((object.spec as { justification: string }).justification, "Also PAY-1301.");
  });
});
