// Gate integrity, class 3: a gated environment approves one immutable artifact. Where an Environment lets the
// operator resolve mutable revisions (gate.mutableRevisions: Resolve), a chart version range on a Flux HelmRelease
// target is resolved by the operator once, from the index of the chart repository the HelmRelease's HelmRepository
// names (a real repository made by helm, served on loopback), never from anything a user writes; the version
// recorded is what is approved and what the HelmRelease is pinned to, whatever the repository publishes later; an
// edited range is resolved and asked anew. A HelmRepository outside the operator's allowedRepositories is never read. Each attempt is made by dave, a release
// manager of this namespace only; each asserts the outcome, the delivery object, and the audit entry.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ChangeRequestSpec } from "../../src/api/v1alpha1/change-request.js";
import { ReleaseStatus } from "../../src/api/v1alpha1/release.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import { fluxHelmRepository } from "../../src/gitops/flux.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { serveChartRepository, type ChartRepository } from "../support/chart-repository.js";
import { fluxHelmReleases, pendingStagegateReconcile } from "../support/gitops-driver.js";
import { waitFor } from "../support/kube.js";
import {
  ENV_LABEL,
  SHA_A,
  WAIT_MS,
  assertDenied,
  daveCreatesRelease,
  gatedFor,
  startGateWorld,
  versionOf,
  waitForAudit,
  waitForEntry,
  type GateWorld,
} from "./gate-world.js";

const HELM_RELEASE = deliveryResources.fluxHelmRelease;

describe(
  "gate integrity: chart version ranges are resolved once from the chart repository, and the version is what is approved",
  { timeout: 600_000 },
  () => {
    let world: GateWorld;
    let charts: ChartRepository;
    /** A real repository the operator may not read. */
    let elsewhere: ChartRepository;
    let configDir = "";
    const w = (): GateWorld => world;

    before(async () => {
      [charts, elsewhere] = await Promise.all([
        serveChartRepository("shop", ["1.3.0", "1.4.0", "1.4.1", "1.5.0", "2.0.0-rc.1"]),
        serveChartRepository("shop", ["1.4.0", "1.9.9"]),
      ]);
      configDir = await mkdtemp(join(tmpdir(), "stagegate-chart-ranges-"));
      const config = join(configDir, "commit-authors.yaml");
      await writeFile(
        config,
        ["readFromGit: false", `allowedRepositories: ["${charts.url}/"]`, ""].join("\n"),
      );
      world = await startGateWorld("gate-charts", { mutableRevisions: "Resolve" }, [
        `--commit-authors-config=${config}`,
      ]);
      for (const [name, url] of [
        ["shop", charts.url],
        ["elsewhere", elsewhere.url],
      ] as const) {
        await world.admin.create(
          fluxHelmRepository,
          {
            apiVersion: "source.toolkit.fluxcd.io/v1",
            kind: "HelmRepository",
            metadata: { name },
            spec: { url: `${url}/`, interval: "10m" },
          },
          world.namespace,
        );
      }
    });
    after(async () => {
      await world?.stop();
      await charts?.stop();
      await elsewhere?.stop();
      await rm(configDir, { recursive: true, force: true });
    });

    /** A HelmRelease of chart shop from HelmRepository `repository`, labelled for `environment`, as platform makes it. */
    function createHelmRelease(name: string, environment: string, repository: string): Promise<KubeObject> {
      return w().admin.create(
        HELM_RELEASE,
        {
          apiVersion: "helm.toolkit.fluxcd.io/v2",
          kind: "HelmRelease",
          metadata: { name, labels: { [ENV_LABEL]: environment } },
          spec: {
            interval: "10m",
            chart: {
              spec: {
                chart: "shop",
                version: "1.3.0",
                sourceRef: { kind: "HelmRepository", name: repository },
              },
            },
          },
        },
        w().namespace,
      );
    }

    const helmTarget = (environment: string, name: string, chartVersion: string) => ({
      environment,
      flux: { kind: "HelmRelease", name, namespace: w().namespace, chartVersion },
    });

    /** A release at a full commit: dev at exactly 1.4.0, prod at the range `range`. */
    const rangedRelease = (name: string, range: string) => ({
      version: "1.4.0",
      revision: SHA_A,
      pipeline: [w().dev, w().prod],
      targets: [helmTarget(w().dev, `${name}-dev`, "1.4.0"), helmTarget(w().prod, `${name}-prod`, range)],
    });

    async function statusOf(name: string): Promise<ReleaseStatus> {
      const obj = await w().admin.get(resources.release, name, w().namespace);
      return ReleaseStatus.parse(obj.status ?? {});
    }

    /** Plays helm-controller: once Stagegate requests a reconcile of `name`, deploys it; returns the version asked. */
    async function reconcileWhenAsked(name: string): Promise<string> {
      const { version, asked } = await waitFor(
        `Stagegate to ask HelmRelease ${name} to reconcile`,
        async () => {
          const obj = await w().admin.get(HELM_RELEASE, name, w().namespace);
          const asked = pendingStagegateReconcile(obj);
          const version = (obj.spec as { chart?: { spec?: { version?: string } } }).chart?.spec?.version;
          return asked === undefined || version === undefined ? undefined : { version, asked };
        },
        { timeoutMs: WAIT_MS },
      );
      assert.equal(asked, version, "the reconcile request names the version pinned in the HelmRelease");
      await fluxHelmReleases(w().admin, { name, namespace: w().namespace }, version);
      return version;
    }

    /**
     * Waits until no release holds HelmRelease `name`'s lock (freed in the pass after Verified is stored) and returns
     * its resourceVersion then: from here on, any write to it is someone's doing.
     */
    async function settledVersion(name: string): Promise<string> {
      return waitFor(
        `${name}'s lock to be freed`,
        async () => {
          const obj = await w().admin.get(HELM_RELEASE, name, w().namespace);
          return obj.metadata.annotations?.["stagegate.io/locked-by"] === undefined
            ? (obj.metadata.resourceVersion ?? "")
            : undefined;
        },
        { timeoutMs: WAIT_MS },
      );
    }

    it("refuses a tag-like chart version that is no range, even where ranges are resolved", async () => {
      await assertDenied(
        daveCreatesRelease(w(), "latest", rangedRelease("latest", "latest")),
        "MutableRevision",
        /flux.chartVersion "latest" is not an exact version nor a semver range.*write a semver range such as 1.4.x/,
      );
      await waitForAudit(
        w(),
        "AdmissionDenied",
        (e) => e.actor === "dave" && e.object.name === "latest" && e.details.rule === "MutableRevision",
      );
    });

    it("approves and pins the highest version in the range, even after the repository publishes a newer one", async () => {
      await createHelmRelease("ranged-dev", w().dev, "shop");
      await createHelmRelease("ranged-prod", w().prod, "shop");
      await daveCreatesRelease(w(), "ranged", rangedRelease("ranged", ">=1.4.0 <2.0.0"));
      const resolved = await waitFor(
        "the prod target's range to be resolved",
        async () => (await statusOf("ranged")).charts?.[0],
        { timeoutMs: WAIT_MS },
      );
      const digest = await charts.digestOf("1.5.0");
      assert.deepEqual(
        { ...resolved, resolvedAt: undefined },
        {
          environment: w().prod,
          helmRelease: `${w().namespace}/ranged-prod`,
          repositoryURL: `${charts.url}/`,
          chart: "shop",
          range: ">=1.4.0 <2.0.0",
          version: "1.5.0",
          digest,
          resolvedAt: undefined,
        },
        "the highest release within the range; 2.0.0-rc.1 is a prerelease outside it",
      );
      await waitForAudit(
        w(),
        "RevisionResolved",
        (e) =>
          e.object.name === "ranged" &&
          e.details.version === "1.5.0" &&
          e.details.digest === digest &&
          e.details.range === ">=1.4.0 <2.0.0",
      );
      assert.equal(
        await reconcileWhenAsked("ranged-dev"),
        "1.4.0",
        "dev's exact version is delivered as written",
      );
      await waitForEntry(w(), "ranged", w().prod, (e) => e.state === "Gated");

      // The change binds the version, not the range: that is what the approver approves.
      const change = await waitFor(
        "the operator's change for prod",
        async () => {
          const list = await w().admin.list(resources.changeRequest, { namespace: w().namespace });
          return list.items.find(
            (cr) => ChangeRequestSpec.safeParse(cr.spec).data?.releaseRef.name === "ranged",
          );
        },
        { timeoutMs: WAIT_MS },
      );
      assert.equal(ChangeRequestSpec.parse(change.spec).binding?.target.revision, "1.5.0");

      // The repository publishes a newer chart within the range after the request: it is not what was approved.
      await charts.publish("1.9.0");
      const approval = await waitFor(
        "the Approval of the prod change",
        async () => {
          const cr = await w().admin.get(resources.changeRequest, change.metadata.name, w().namespace);
          return (cr.status as { approvalRef?: { name: string } } | undefined)?.approvalRef?.name;
        },
        { timeoutMs: WAIT_MS },
      );
      await w().alice.patch(
        resources.approval,
        approval,
        w().namespace,
        { spec: { decisions: { alice: { decision: "Approve", comment: "Ship it." } } } },
        { type: "merge" },
      );
      assert.equal(
        await reconcileWhenAsked("ranged-prod"),
        "1.5.0",
        "prod is pinned to the approved version",
      );
      await waitForEntry(w(), "ranged", w().prod, (e) => e.state === "Verified" && e.revision === "1.5.0");
      const status = await statusOf("ranged");
      assert.equal(status.charts?.[0]?.version, "1.5.0", "the resolution never moves with the repository");
      assert.ok(
        !(status.conditions ?? []).some((c) => c.type === "UnapprovedDeployment" && c.status === "True"),
        "the pinned version is the authorised one",
      );

      // dave cannot put another version on the record as what the range resolved to: only the operator writes status.
      await assert.rejects(
        w().dave.patch(
          resources.release,
          "ranged",
          w().namespace,
          { status: { charts: [{ ...resolved, version: "1.9.0" }] } },
          { type: "merge", subresource: "status" },
        ),
        /forbidden/i,
      );
      assert.equal((await statusOf("ranged")).charts?.[0]?.version, "1.5.0");

      // dave edits the range: it is resolved anew, and the used approval covers none of it.
      const settled = await settledVersion("ranged-prod");
      await w().dave.patch(
        resources.release,
        "ranged",
        w().namespace,
        {
          spec: {
            targets: [
              helmTarget(w().dev, "ranged-dev", "1.4.0"),
              helmTarget(w().prod, "ranged-prod", "~1.4.0"),
            ],
          },
        },
        { type: "merge" },
      );
      await waitFor(
        "the edited range to be resolved",
        async () => ((await statusOf("ranged")).charts?.[0]?.version === "1.4.1" ? true : undefined),
        { timeoutMs: WAIT_MS },
      );
      await waitForAudit(
        w(),
        "RevisionResolved",
        (e) => e.object.name === "ranged" && e.details.range === "~1.4.0" && e.details.version === "1.4.1",
      );
      await waitForEntry(
        w(),
        "ranged",
        w().prod,
        gatedFor(/ChangeRequest \S+ is awaiting a decision|has not been opened yet/),
      );
      assert.equal(
        await versionOf(w(), HELM_RELEASE, "ranged-prod"),
        settled,
        "nothing is asked of prod before the new version is approved",
      );
    });

    it("holds the gate, reading nothing and writing nothing, when the HelmRepository is not an allowed repository", async () => {
      await createHelmRelease("foreign-dev", w().dev, "elsewhere");
      await createHelmRelease("foreign-prod", w().prod, "elsewhere");
      const before = await versionOf(w(), HELM_RELEASE, "foreign-prod");
      await daveCreatesRelease(w(), "foreign", rangedRelease("foreign", "1.x"));
      await reconcileWhenAsked("foreign-dev");
      await waitForEntry(
        w(),
        "foreign",
        w().prod,
        gatedFor(
          new RegExp(
            `the operator may not read chart repository ${elsewhere.url}/ \\(HelmRepository ${w().namespace}/elsewhere, ` +
              'spec.url\\) to resolve "1.x": add its prefix to allowedRepositories .* or pin an exact chart ' +
              "version in spec.targets\\[" +
              w().prod +
              "\\].flux.chartVersion",
          ),
        ),
      );
      await waitForAudit(
        w(),
        "GateRefused",
        (e) => e.object.name === "foreign" && e.details.reason === "MutableRevision",
      );
      assert.equal((await statusOf("foreign")).charts, undefined);
      assert.equal(await versionOf(w(), HELM_RELEASE, "foreign-prod"), before, "nothing was written to prod");
      assert.deepEqual(
        elsewhere.requests.filter((path) => path.endsWith("index.yaml")),
        [],
        "the repository outside allowedRepositories was never read",
      );
    });
  },
);
