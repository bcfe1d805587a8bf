import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { waitFor } from "../../support/kube.js";
import { kubectl } from "../../support/cluster.js";
import {
  CRD_NAMES,
  SAMPLES_DIR,
  createNamespace,
  deleteNamespace,
  installStagegateCrds,
  kubectlOrThrow,
  uniqueSuffix,
} from "./api-test-helpers.js";

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: { promotesFrom?: string[] } & Record<string, unknown>;
}

function readSamples(): Manifest[] {
  return readdirSync(SAMPLES_DIR)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(`${SAMPLES_DIR}${file}`, "utf8")).map((doc) => doc.toJS() as Manifest),
    );
}

/** `kubectl explain` rows: a field path and sentences of its description that must be printed. */
const explained: { field: string; fragments: string[] }[] = [
  {
    field: "release.spec.targets",
    fragments: ["How the release is delivered to each environment of the pipeline.", "argoCD", "flux"],
  },
  { field: "release.spec.targets.flux.kind", fragments: ["Kustomization or HelmRelease."] },
  { field: "release.spec.rollbackPolicy.mode", fragments: ["Automatic rolls back when an alert fires"] },
  { field: "release.status.environments.state", fragments: ["Gated (waiting at the gate)"] },
  { field: "changerequest.spec.requestedBy", fragments: ["Stamped from the authenticated API request"] },
  {
    field: "approval.spec.decisions",
    fragments: ["The decisions made so far, keyed by the approver's authenticated user name."],
  },
  { field: "deploymenttask.spec.sla", fragments: ["How long after creation the work is due"] },
  {
    field: "environment.spec.gate",
    fragments: ["What must be true before a release may enter the environment."],
  },
];

describe("Stagegate CRDs on a real kube-apiserver", () => {
  let namespace = "";
  before(async () => {
    await installStagegateCrds();
    namespace = await createNamespace("api-crds");
  });
  after(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  it("applies every CRD, and each is Established with its names accepted", async () => {
    const stdout = await kubectlOrThrow("admin", ["get", "crd", ...CRD_NAMES, "-o", "json"]);
    const list = JSON.parse(stdout) as {
      items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[];
    };
    assert.deepEqual(list.items.map((crd) => crd.metadata.name).sort(), [...CRD_NAMES].sort());
    for (const crd of list.items) {
      for (const type of ["Established", "NamesAccepted"]) {
        const condition = crd.status.conditions.find((c) => c.type === type);
        assert.equal(condition?.status, "True", `${crd.metadata.name} is not ${type}`);
      }
    }
  });

  for (const row of explained) {
    it(`kubectl explain ${row.field} prints its description`, async () => {
      const output = await waitFor(`kubectl explain ${row.field}`, async () => {
        const result = await kubectl("admin", ["explain", row.field]);
        const flat = result.stdout.replace(/\s+/g, " ");
        return result.code === 0 && row.fragments.every((f) => flat.includes(f)) ? flat : undefined;
      });
      for (const fragment of row.fragments) assert.ok(output.includes(fragment), fragment);
    });
  }

  it("accepts every sample as written (server-side dry run)", async () => {
    const stdout = await kubectlOrThrow("admin", [
      "apply",
      "--server-side",
      "--dry-run=server",
      "-n",
      namespace,
      "-f",
      SAMPLES_DIR,
    ]);
    assert.equal(stdout.trim().split("\n").length, readSamples().length);
  });

  it("stores every sample, and lists them by category, short name and printer columns", async () => {
    const suffix = uniqueSuffix();
    const renamed = (name: string): string => `${name}-${suffix}`;
    const samples = readSamples().map((sample) =>
      sample.kind === "Environment"
        ? {
            ...sample,
            metadata: { name: renamed(sample.metadata.name) },
            spec: { ...sample.spec, promotesFrom: (sample.spec.promotesFrom ?? []).map(renamed) },
          }
        : sample.kind === "WorkflowTemplate"
          ? { ...sample, metadata: { name: renamed(sample.metadata.name) } }
          : sample,
    );
    const input = samples.map((sample) => JSON.stringify(sample)).join("\n");
    await kubectlOrThrow("admin", ["create", "-n", namespace, "-f", "-"], input);
    try {
      const byCategory = await kubectlOrThrow("admin", ["get", "stagegate", "-n", namespace, "-o", "name"]);
      const listed = new Set(byCategory.trim().split("\n"));
      for (const sample of samples) {
        const name = `${sample.kind.toLowerCase()}.stagegate.io/${sample.metadata.name}`;
        assert.ok(listed.has(name), `kubectl get stagegate does not list ${name}`);
      }

      const releases = await kubectlOrThrow("admin", ["get", "rel", "-n", namespace]);
      assert.match(releases.split("\n")[0] ?? "", /^NAME\s+VERSION\s+ENV\s+STATE\s+AGE$/);
      assert.match(releases, /payments-api-2\.14\.0\s+2\.14\.0/);
      const changes = await kubectlOrThrow("admin", ["get", "cr", "-n", namespace]);
      assert.match(changes.split("\n")[0] ?? "", /^NAME\s+RELEASE\s+ENV\s+TYPE\s+RISK\s+RESOLUTION\s+AGE$/);
      // Approvals are opened by the operator, so there is no sample: make one as the operator would.
      const approval = {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "Approval",
        metadata: { name: "payments-api-2.14.0-prod", namespace },
        spec: {
          changeRequestRef: { name: "payments-api-2.14.0-prod" },
          required: 2,
          eligible: { groups: ["approvers"] },
        },
      };
      await kubectlOrThrow("admin", ["create", "-f", "-"], JSON.stringify(approval));
      const approvals = await kubectlOrThrow("admin", ["get", "apv", "-n", namespace]);
      assert.match(
        approvals.split("\n")[0] ?? "",
        /^NAME\s+CHANGEREQUEST\s+REQUIRED\s+APPROVALS\s+OUTCOME\s+ESCALATION\s+NEXT-ESCALATION\s+AGE$/,
      );
      const tasks = await kubectlOrThrow("admin", ["get", "dtask", "-n", namespace, "-o", "name"]);
      assert.equal(
        tasks.trim().split("\n").length,
        samples.filter((s) => s.kind === "DeploymentTask").length,
      );
      const prod = JSON.parse(
        await kubectlOrThrow("admin", ["get", "env", renamed("prod"), "-o", "json"]),
      ) as {
        spec: { regulated: boolean; gate: { approvalTimeout: string } };
      };
      assert.equal(prod.spec.regulated, true);
      assert.equal(prod.spec.gate.approvalTimeout, "72h");
    } finally {
      const names = samples
        .filter((s) => s.kind === "Environment" || s.kind === "WorkflowTemplate")
        .map((s) => `${s.kind.toLowerCase()}/${s.metadata.name}`);
      await kubectlOrThrow("admin", ["delete", ...names, "--ignore-not-found"]);
    }
  });
});
