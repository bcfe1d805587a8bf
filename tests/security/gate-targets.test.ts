// Gate integrity, classes 1 and 2: environments own their delivery targets, and the environment graph is the law.
// Each attempt is made by dave, a release manager of this namespace only, against the real API server, the
// operator's real webhooks and the operator as its own process; each asserts the refusal (naming the rule and the
// fix), that the delivery object was not written, and the audit entry.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import { fluxGitRepository } from "../../src/gitops/flux.js";
import { clientFor, waitFor } from "../support/kube.js";
import { grantApplicationEditor } from "./rollback-evidence-support.js";
import {
  ENV_LABEL,
  SHA_A,
  argoTarget,
  assertDenied,
  createApplication,
  daveCreatesRelease,
  gatedFor,
  ownsLabelled,
  startGateWorld,
  versionOf,
  waitForAudit,
  waitForEntry,
  type GateWorld,
} from "./gate-world.js";

const APP = deliveryResources.argoCDApplication;

describe("gate integrity: environments own their targets, the graph is the law", { timeout: 600_000 }, () => {
  let world: GateWorld;
  const w = (): GateWorld => world;
  const release = (targets: Record<string, unknown>[], pipeline: string[], revision = SHA_A) => ({
    version: "1.0.0",
    revision,
    pipeline,
    targets,
  });

  before(async () => {
    world = await startGateWorld("gate-targets");
    await createApplication(world, "shop-dev", world.dev);
    await createApplication(world, "shop-prod", world.prod);
    await createApplication(world, "payments-prod", world.prod, world.otherTeam);
  });
  after(() => world?.stop());

  const deniedAndAudited = async (name: string, rule: string): Promise<void> => {
    await waitForAudit(
      w(),
      "AdmissionDenied",
      (e) => e.actor === "dave" && e.object.name === name && e.details.rule === rule,
    );
  };

  it("refuses a dev release pointed at the production Application, and writes nothing to it", async () => {
    const before = await versionOf(w(), APP, "shop-prod");
    const message = await assertDenied(
      daveCreatesRelease(w(), "shortcut", release([argoTarget(w(), w().dev, "shop-prod")], [w().dev])),
      "TargetNotOwned",
      new RegExp(
        `spec.targets\\[${w().dev}\\].*does not own Argo CD Application ${w().namespace}/shop-prod.*ask a platform engineer`,
      ),
    );
    assert.match(message, /spec\.delivery\.argoCDApplications/);
    await deniedAndAudited("shortcut", "TargetNotOwned");
    assert.equal(
      await versionOf(w(), APP, "shop-prod"),
      before,
      "the production Application was not written",
    );
  });

  it("refuses a target in another team's namespace, whatever its labels say", async () => {
    const before = await versionOf(w(), APP, "payments-prod", w().otherTeam);
    const target = {
      environment: w().dev,
      argoCD: { name: "payments-prod", namespace: w().otherTeam, revision: SHA_A },
    };
    await assertDenied(
      daveCreatesRelease(w(), "cross-team", release([target], [w().dev])),
      "TargetNotOwned",
      new RegExp(`${w().otherTeam}/payments-prod`),
    );
    await deniedAndAudited("cross-team", "TargetNotOwned");
    assert.equal(await versionOf(w(), APP, "payments-prod", w().otherTeam), before);
  });

  it("refuses a pipeline that begins at prod, skipping the stage prod promotes from", async () => {
    const before = await versionOf(w(), APP, "shop-prod");
    await assertDenied(
      daveCreatesRelease(w(), "prod-only", release([argoTarget(w(), w().prod, "shop-prod")], [w().prod])),
      "StageSkipped",
      new RegExp(
        `spec.pipeline: Environment ${w().prod} promotes only from \\[${w().dev}\\].*begins with it`,
      ),
    );
    await deniedAndAudited("prod-only", "StageSkipped");
    assert.equal(await versionOf(w(), APP, "shop-prod"), before);
  });

  it("refuses a pipeline that runs the stages backwards", async () => {
    const targets = [argoTarget(w(), w().dev, "shop-dev"), argoTarget(w(), w().prod, "shop-prod")];
    await assertDenied(
      daveCreatesRelease(w(), "backwards", release(targets, [w().prod, w().dev])),
      "StageSkipped",
      new RegExp(`put one of \\[${w().dev}\\] right before ${w().prod}`),
    );
    await deniedAndAudited("backwards", "StageSkipped");
  });

  for (const [what, revision, field] of [
    ["a branch", "main", /spec\.source\.revision "main" is not a full commit id/],
    ["a tag", "v2.1.0", /spec\.source\.revision "v2\.1\.0" is not a full commit id/],
    ["a short commit id", SHA_A.slice(0, 7), /spec\.source\.revision "4f2c1e0" is not a full commit id/],
  ] as const) {
    it(`refuses ${what} as the revision a gated environment would approve`, async () => {
      const name = `mutable-${what.replace(/[^a-z]/g, "")}`;
      const targets = [
        argoTarget(w(), w().dev, "shop-dev", revision),
        argoTarget(w(), w().prod, "shop-prod", revision),
      ];
      await assertDenied(
        daveCreatesRelease(w(), name, release(targets, [w().dev, w().prod], revision)),
        "MutableRevision",
        field,
      );
      await deniedAndAudited(name, "MutableRevision");
    });
  }

  it("holds a release at the gate when its target turns out not to be the environment's, and audits it", async () => {
    // Admitted while the Application did not exist (GitOps may apply a Release first); then it appears without
    // the dev label. The operator checks again before writing anything and never touches it.
    await daveCreatesRelease(w(), "late", release([argoTarget(w(), w().dev, "late-dev")], [w().dev]));
    const created = await createApplication(w(), "late-dev", undefined);
    const entry = await waitForEntry(
      w(),
      "late",
      w().dev,
      gatedFor(/does not own Argo CD Application .*late-dev/),
    );
    assert.ok(
      entry.reasons?.some((r) => r.includes(`${ENV_LABEL}=${w().dev}`)),
      JSON.stringify(entry),
    );
    await waitForAudit(
      w(),
      "GateRefused",
      (e) => e.object.name === "late" && e.details.reason === "TargetNotOwned",
    );
    const now = await w().admin.get(APP, "late-dev", w().namespace);
    assert.equal(
      now.metadata.resourceVersion,
      created.metadata.resourceVersion,
      "late-dev was never written",
    );
    assert.equal(now.operation, undefined, "no sync was requested");
  });

  it("refuses to pin a Flux source that a delivery object of another environment builds from", async () => {
    const scope = { admin: w().admin, namespace: w().namespace };
    const repo = await scope.admin.create(
      fluxGitRepository,
      {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { name: "shared-repo" },
        spec: { url: "https://git.example.com/shop.git", interval: "5m", ref: { branch: "main" } },
      },
      w().namespace,
    );
    for (const [name, env] of [
      ["shop-dev-ks", w().dev],
      ["shop-prod-ks", w().prod],
    ] as const) {
      await scope.admin.create(
        deliveryResources.fluxKustomization,
        {
          apiVersion: "kustomize.toolkit.fluxcd.io/v1",
          kind: "Kustomization",
          metadata: { name, labels: { [ENV_LABEL]: env } },
          spec: {
            interval: "10m",
            prune: true,
            path: "./deploy",
            sourceRef: { kind: "GitRepository", name: "shared-repo" },
          },
        },
        w().namespace,
      );
    }
    const target = {
      environment: w().dev,
      flux: { kind: "Kustomization", name: "shop-dev-ks", namespace: w().namespace, revision: SHA_A },
    };
    await daveCreatesRelease(w(), "shared", release([target], [w().dev]));
    const entry = await waitForEntry(w(), "shared", w().dev, gatedFor(/Pinning GitRepository .*shared-repo/));
    assert.ok(
      entry.reasons?.some((r) => r.includes(`shop-prod-ks`) && r.includes("GitRepository of its own")),
    );
    await waitForAudit(
      w(),
      "GateRefused",
      (e) => e.object.name === "shared" && e.details.reason === "SharedSource",
    );
    const now = await w().admin.get(fluxGitRepository, "shared-repo", w().namespace);
    assert.equal(
      now.metadata.resourceVersion,
      repo.metadata.resourceVersion,
      "the shared source was not pinned",
    );
  });

  it("refuses to pin a GitRepository in a namespace whose Kustomizations the environment does not own", async () => {
    const repo = await w().admin.create(
      fluxGitRepository,
      {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { name: "payments-repo" },
        spec: { url: "https://git.example.com/payments.git", interval: "5m", ref: { branch: "main" } },
      },
      w().otherTeam,
    );
    await w().admin.create(
      deliveryResources.fluxKustomization,
      {
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name: "borrowed-ks", labels: { [ENV_LABEL]: w().dev } },
        spec: {
          interval: "10m",
          prune: true,
          path: "./deploy",
          sourceRef: { kind: "GitRepository", name: "payments-repo", namespace: w().otherTeam },
        },
      },
      w().namespace,
    );
    const target = {
      environment: w().dev,
      flux: { kind: "Kustomization", name: "borrowed-ks", namespace: w().namespace, revision: SHA_A },
    };
    await daveCreatesRelease(w(), "borrowed", release([target], [w().dev]));
    await waitForEntry(
      w(),
      "borrowed",
      w().dev,
      gatedFor(new RegExp(`Pinning GitRepository ${w().otherTeam}/payments-repo .* does not own`)),
    );
    await waitForAudit(
      w(),
      "GateRefused",
      (e) => e.object.name === "borrowed" && e.details.reason === "SharedSource",
    );
    const now = await w().admin.get(fluxGitRepository, "payments-repo", w().otherTeam);
    assert.equal(
      now.metadata.resourceVersion,
      repo.metadata.resourceVersion,
      "the other team's source was not pinned",
    );
  });

  it("refuses a target mallory relabelled into an environment that owns its Applications by name", async () => {
    // mallory may edit Applications (so their labels), not Environments: against a labels-only scope she could
    // move the production Application into an ungated environment by relabelling it. A scope that lists names
    // does not move with a label.
    await grantApplicationEditor(w().admin, w().namespace);
    const named = `named-${w().dev}`;
    w().environments.push(named);
    await w().admin.create(resources.environment, {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "Environment",
      metadata: { name: named },
      spec: {
        delivery: {
          argoCDApplications: {
            namespaces: [w().namespace],
            matchLabels: { [ENV_LABEL]: named },
            names: ["shop-named"],
          },
        },
      },
    });
    const mallory = await clientFor("mallory");
    try {
      await mallory.patch(
        APP,
        "shop-prod",
        w().namespace,
        { metadata: { labels: { [ENV_LABEL]: named } } },
        { type: "merge" },
      );
    } finally {
      mallory.close();
    }
    const before = await versionOf(w(), APP, "shop-prod");
    await waitFor(`dave's release into ${named} to be refused`, async () => {
      try {
        await assertDenied(
          daveCreatesRelease(w(), "relabelled", release([argoTarget(w(), named, "shop-prod")], [named])),
          "TargetNotOwned",
          /owns only the Argo CD Applications named in spec\.delivery\.argoCDApplications\.names \(shop-named\)/,
        );
        return true;
      } catch (err) {
        // The webhook's Environment cache may not have the new Environment yet; anything admitted is a failure.
        if (
          await w()
            .admin.get(resources.release, "relabelled", w().namespace)
            .catch(() => undefined)
        ) {
          throw err;
        }
        return undefined;
      }
    });
    await deniedAndAudited("relabelled", "TargetNotOwned");
    assert.equal(
      await versionOf(w(), APP, "shop-prod"),
      before,
      "the production Application was not written",
    );
    await w().admin.patch(
      APP,
      "shop-prod",
      w().namespace,
      { metadata: { labels: { [ENV_LABEL]: w().prod } } },
      { type: "merge" },
    );
  });

  it("reports a delivery object that two environments claim on both of them", async () => {
    const rogue = `rogue-${w().prod}`;
    w().environments.push(rogue);
    await w().admin.create(resources.environment, {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "Environment",
      metadata: { name: rogue },
      spec: { delivery: ownsLabelled(w().namespace, w().prod) },
    });
    for (const env of [w().prod, rogue]) {
      const other = env === rogue ? w().prod : rogue;
      await waitFor(
        `${env} to report shop-prod as claimed by ${other} too`,
        async () => {
          const obj = await w().admin.get(resources.environment, env);
          const conditions = (
            obj.status as { conditions?: { type: string; status: string; message: string }[] }
          )?.conditions;
          const overlap = conditions?.find((c) => c.type === "DeliveryOverlap");
          return overlap?.status === "True" &&
            overlap.message.includes(`${w().namespace}/shop-prod (also claimed by ${other})`)
            ? true
            : undefined;
        },
        { timeoutMs: 60_000 },
      );
    }
  });
});
