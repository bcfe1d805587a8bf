// The dimension labels policy (config/policy/dimension-labels.yaml) and dimensionProblems() give the same verdict:
// each malformed team, service, region, tenant, customer-impact or tag label is refused by the API server with
// the field and the fix, on create and on a label edit; updates that leave the labels alone pass.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { dimensionProblems } from "../../../src/api/v1alpha1/dimensions.js";
import { createNamespace, deleteNamespace, kubectlOrThrow } from "../api/api-test-helpers.js";
import { waitFor } from "../../support/kube.js";
import { changeRequestManifest, kubectlIn, kubectlInOrThrow, mergePatch } from "./webhook-test-objects.js";

const POLICY_DIR = fileURLToPath(new URL("../../../config/policy/", import.meta.url));

const manyTags = Object.fromEntries(
  Array.from({ length: 17 }, (_, i) => [`tags.stagegate.io/t${i}`, "true"]),
);

const refused: { situation: string; labels: Record<string, string> }[] = [
  { situation: "a team with capitals", labels: { "stagegate.io/team": "Payments" } },
  { situation: "a service with a dot", labels: { "stagegate.io/service": "card.api" } },
  { situation: "a region in capitals", labels: { "stagegate.io/region": "EU-West-1" } },
  { situation: "a tenant with an underscore", labels: { "stagegate.io/tenant": "acme_corp" } },
  { situation: "an unknown customer impact", labels: { "stagegate.io/customer-impact": "severe" } },
  { situation: "a tag that is not true", labels: { "tags.stagegate.io/pci": "yes" } },
  { situation: "17 tags", labels: manyTags },
];

const accepted: Record<string, string> = {
  "stagegate.io/team": "payments",
  "stagegate.io/service": "card-api",
  "stagegate.io/region": "eu-west-1",
  "stagegate.io/tenant": "acme",
  "stagegate.io/customer-impact": "medium",
  "tags.stagegate.io/pci": "true",
};

function labelled(name: string, labels: Record<string, string>): Record<string, unknown> {
  const manifest = changeRequestManifest(name);
  return { ...manifest, metadata: { name, labels } };
}

describe("dimension labels are checked by the API server (ValidatingAdmissionPolicy)", () => {
  let namespace = "";

  before(async () => {
    await kubectlOrThrow("admin", [
      "apply",
      "--server-side",
      "--field-manager=stagegate-local-cluster",
      "--force-conflicts",
      "-k",
      POLICY_DIR,
    ]);
    namespace = await createNamespace("dimension-policy");
    // The API server loads new policies asynchronously: wait (bounded) until it enforces this one.
    await waitFor("the dimension labels policy to be enforced", async () => {
      const probe = await kubectlIn(
        "admin",
        namespace,
        ["create", "--dry-run=server", "-f", "-"],
        labelled("probe", { "stagegate.io/customer-impact": "probe" }),
      );
      return probe.code !== 0 && probe.stderr.includes("customer impact") ? true : undefined;
    });
    await kubectlInOrThrow("admin", namespace, ["create", "-f", "-"], labelled("labelled", accepted));
  });
  after(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  for (const row of refused) {
    it(`refuses ${row.situation} on create, naming the label and the fix as dimensionProblems does`, async () => {
      const problems = dimensionProblems(row.labels);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      const expected = `${problems[0]?.field ?? ""}: ${problems[0]?.message ?? ""}`;
      const result = await kubectlIn(
        "admin",
        namespace,
        ["create", "--dry-run=server", "-f", "-"],
        labelled("refused", row.labels),
      );
      assert.notEqual(result.code, 0);
      assert.ok(result.stderr.includes(expected), `expected "${expected}" in: ${result.stderr}`);
      assert.ok(result.stderr.includes("stagegate-dimension-labels"), result.stderr);
    });
  }

  it("accepts every well-formed dimension, as dimensionProblems does", async () => {
    assert.deepEqual(dimensionProblems(accepted), []);
    const result = await kubectlIn(
      "admin",
      namespace,
      ["create", "--dry-run=server", "-f", "-"],
      labelled("accepted", accepted),
    );
    assert.equal(result.code, 0, result.stderr);
  });

  it("refuses a label edit to a bad value, and lets updates that leave the labels alone pass", async () => {
    const edit = await mergePatch("admin", namespace, "changerequest/labelled", {
      metadata: { labels: { "stagegate.io/customer-impact": "catastrophic" } },
    });
    assert.notEqual(edit.code, 0);
    assert.match(edit.stderr, /"catastrophic" is not a customer impact/);
    const annotate = await mergePatch("admin", namespace, "changerequest/labelled", {
      metadata: { annotations: { "example.com/note": "unrelated" } },
    });
    assert.equal(annotate.code, 0, annotate.stderr);
    const relabel = await mergePatch("admin", namespace, "changerequest/labelled", {
      metadata: { labels: { "stagegate.io/customer-impact": "low" } },
    });
    assert.equal(relabel.code, 0, relabel.stderr);
  });
});
