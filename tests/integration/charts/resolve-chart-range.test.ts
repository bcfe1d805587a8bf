// Resolving a chart version range against a real chart repository: charts packaged and indexed by the real helm,
// served over loopback by node:http (also behind basic auth with a git-credential-store file), and the
// HelmRelease and HelmRepository the operator reads from the real API server, as it does for an Environment with
// gate.mutableRevisions: Resolve. What the operator may not read, it never fetches.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import { selectChartVersion } from "../../../src/charts/chart-index.js";
import { fetchChartIndex } from "../../../src/charts/fetch-chart-index.js";
import { parseAuthorPolicy, repositoryAllowed } from "../../../src/commits/author-policy.js";
import {
  readHelmRepository,
  resolveCharts,
  type ResolveChartsDeps,
} from "../../../src/controllers/release/resolve-charts.js";
import { fluxHelmRepository } from "../../../src/gitops/flux.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { ObjectStore } from "../../../src/runtime/informer/store.js";
import { serveChartRepository, type ChartRepository } from "../../support/chart-repository.js";
import { createFluxHelmRelease } from "../../support/delivery-objects.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";

const CREDENTIALS = { username: "stagegate", password: "s3cret-token" };
const NOW = new Date("2030-01-01T00:00:00Z");

describe("resolving a chart version range in a real chart repository", { timeout: 300_000 }, () => {
  let charts: ChartRepository;
  let locked: ChartRepository;
  let redirector: Server;
  let redirectorURL = "";
  let dir = "";
  let admin: KubeClient;
  let namespace = "";

  before(async () => {
    [charts, locked] = await Promise.all([
      serveChartRepository("shop", ["1.3.0", "1.4.0", "1.4.1", "1.5.0-rc.1", "2.0.0"]),
      serveChartRepository("payments", ["1.0.0", "1.1.0"], CREDENTIALS),
    ]);
    // Answers every request with a redirect to the shop repository, and /html/index.yaml with a web page.
    redirector = createServer((req, res) => {
      if (req.url === "/html/index.yaml") {
        res.writeHead(200, { "content-type": "text/html" }).end("<html><body>Welcome</body></html>");
        return;
      }
      res.writeHead(302, { location: `${charts.url}/index.yaml` }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    redirectorURL = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), "stagegate-charts-test-"));
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "chart-range");
  });
  after(async () => {
    await charts?.stop();
    await locked?.stop();
    await new Promise<void>((resolve) => (redirector ? redirector.close(() => resolve()) : resolve()));
    await rm(dir, { recursive: true, force: true });
    await admin?.delete(builtin.namespace, namespace).catch(() => undefined);
    admin?.close();
  });

  const anywhere = (): boolean => true;

  it("selects the highest version within the range from the index helm wrote, with its digest", async () => {
    const index = await fetchChartIndex({ repositoryURL: charts.url, allowed: anywhere });
    const rows: [string, string][] = [
      ["1.4.x", "1.4.1"],
      [">=1.4.0 <2.0.0", "1.4.1"],
      ["^1.4", "1.4.1"],
      ["~1.3", "1.3.0"],
      ["^1.5.0-rc.0", "1.5.0-rc.1"],
      ["*", "2.0.0"],
    ];
    for (const [range, version] of rows) {
      assert.equal(selectChartVersion(index, "shop", range, charts.url).version, version, range);
    }
    const choice = selectChartVersion(index, "shop", "1.4.x", charts.url);
    assert.equal(choice.digest, await charts.digestOf("1.4.1"));
    assert.notEqual(choice.digest, await charts.digestOf("1.4.0"));
    assert.throws(() => selectChartVersion(index, "shop", "3.x", charts.url), /no version of chart shop/);
    // A version published afterwards is in the next read of the index.
    await charts.publish("1.4.7");
    const later = await fetchChartIndex({ repositoryURL: `${charts.url}/`, allowed: anywhere });
    assert.equal(selectChartVersion(later, "shop", "1.4.x", charts.url).version, "1.4.7");
  });

  it("authenticates with the credentials file's line for the repository's origin, and only with it", async () => {
    const origin = new URL(locked.url).origin;
    const file = join(dir, "credentials");
    await writeFile(
      file,
      [
        `http://${CREDENTIALS.username}:wrong@127.0.0.1:1`,
        `http://${CREDENTIALS.username}:${CREDENTIALS.password}@${origin.slice("http://".length)}`,
        "",
      ].join("\n"),
    );
    const index = await fetchChartIndex({ repositoryURL: locked.url, allowed: anywhere, credentialsFile: file });
    assert.equal(selectChartVersion(index, "payments", "1.x", locked.url).version, "1.1.0");
    await assert.rejects(
      fetchChartIndex({ repositoryURL: locked.url, allowed: anywhere }),
      /index.yaml answered HTTP 401/,
    );
  });

  it("follows a redirect only to a repository the operator may read", async () => {
    await assert.rejects(
      fetchChartIndex({ repositoryURL: redirectorURL, allowed: (url) => url.startsWith(redirectorURL) }),
      new RegExp(`redirects to ${charts.url}/index.yaml, which is not among the operator's allowedRepositories`),
    );
    const index = await fetchChartIndex({ repositoryURL: redirectorURL, allowed: anywhere });
    assert.equal(selectChartVersion(index, "shop", "2.x", charts.url).version, "2.0.0");
  });

  it("refuses an index that is too large, or not an index, saying so", async () => {
    await assert.rejects(
      fetchChartIndex({ repositoryURL: charts.url, allowed: anywhere, maxBytes: 200 }),
      /is larger than 200 bytes/,
    );
    await assert.rejects(
      fetchChartIndex({ repositoryURL: `${redirectorURL}/html`, allowed: anywhere }),
      /is not a Helm chart repository index/,
    );
    await assert.rejects(
      fetchChartIndex({ repositoryURL: `${charts.url}/missing`, allowed: anywhere }),
      /answered HTTP 404/,
    );
  });

  /** A HelmRepository of `url` (of `type`, default http) in the test's namespace, as a platform engineer makes it. */
  async function createHelmRepository(name: string, url: string, type?: string): Promise<void> {
    await admin.create(
      fluxHelmRepository,
      {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "HelmRepository",
        metadata: { name },
        spec: { url, interval: "10m", ...(type === undefined ? {} : { type }) },
      },
      namespace,
    );
  }

  /** The HelmReleases of the test, as the API server stored them (the operator reads them from its cache). */
  const helmReleases = new ObjectStore();
  async function createHelmRelease(name: string): Promise<void> {
    helmReleases.upsert(await createFluxHelmRelease({ admin, namespace }, name, { chart: name, version: "1.0.0" }));
  }

  /** What resolving reads, with the prod Environment resolving. */
  function deps(): ResolveChartsDeps {
    const environments = new ObjectStore();
    environments.upsert({
      apiVersion: "stagegate.io/v1alpha1",
      kind: "Environment",
      metadata: { name: "prod" },
      spec: EnvironmentSpec.parse({
        gate: { requiredApprovals: 1, approvers: { users: ["erin"] }, mutableRevisions: "Resolve" },
      }),
    });
    const access = parseAuthorPolicy(
      `readFromGit: false\nallowedRepositories: ["${charts.url}/"]\n`,
      "commit-authors.yaml",
    );
    return {
      environments,
      helmReleases,
      helmRepository: (ns, name) => readHelmRepository(() => admin.get(fluxHelmRepository, name, ns)),
      access,
      readIndex: fetchChartIndex,
      now: () => NOW,
    };
  }

  const release = (helmRelease: string, range: string): ReleaseSpec =>
    ReleaseSpec.parse({
      version: "1.4.0",
      source: { repoURL: "https://git.example.com/shop.git", revision: "a".repeat(40) },
      pipeline: ["prod"],
      targets: [{ environment: "prod", flux: { kind: "HelmRelease", name: helmRelease, namespace, chartVersion: range } }],
      owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
    });

  it("resolves a HelmRelease's range from its HelmRepository once, and keeps what is recorded", async () => {
    await createHelmRepository("shop", `${charts.url}/`);
    await createHelmRelease("shop");
    const d = deps();
    assert.ok(repositoryAllowed(d.access?.policy ?? assert.fail(), `${charts.url}/`));
    const first = await resolveCharts(d, release("shop", "1.4.x"), undefined);
    assert.deepEqual(first.problems, {});
    assert.deepEqual(first.resolved, [
      {
        environment: "prod",
        helmRelease: `${namespace}/shop`,
        repositoryURL: `${charts.url}/`,
        chart: "shop",
        range: "1.4.x",
        version: "1.4.7",
        digest: await charts.digestOf("1.4.7"),
        resolvedAt: "2030-01-01T00:00:00Z",
      },
    ]);
    // Recorded: a newer chart in the repository changes nothing, and nothing is fetched again.
    await charts.publish("1.4.8");
    const reads = charts.requests.length;
    const again = await resolveCharts(d, release("shop", "1.4.x"), first.resolved);
    assert.deepEqual(again.resolved, first.resolved);
    assert.equal(charts.requests.length, reads);
    // An edited range is resolved anew, from the repository.
    const edited = await resolveCharts(d, release("shop", "~1.4.8"), first.resolved);
    assert.equal(edited.resolved[0]?.version, "1.4.8");
  });

  it("never fetches a chart repository outside the allowed ones, nor an OCI registry, and says what to fix", async () => {
    await createHelmRepository("foreign", `${locked.url}/`);
    await createHelmRepository("registry", "oci://ghcr.io/acme/charts", "oci");
    await createHelmRelease("foreign");
    await createHelmRelease("registry");
    const d = deps();
    const reads = locked.requests.length;
    const foreign = await resolveCharts(d, release("foreign", "1.x"), undefined);
    assert.deepEqual(foreign.resolved, []);
    assert.match(
      foreign.problems.prod ?? "",
      new RegExp(
        `the operator may not read chart repository ${locked.url}/ \\(HelmRepository ${namespace}/foreign, ` +
          `spec.url\\) to resolve "1.x": add its prefix to allowedRepositories .* or pin an exact chart version in ` +
          "spec.targets\\[prod\\].flux.chartVersion",
      ),
    );
    assert.equal(locked.requests.length, reads, "nothing was fetched from the repository not allowed");
    const oci = await resolveCharts(d, release("registry", "1.x"), undefined);
    assert.match(oci.problems.prod ?? "", /HelmRepository .*\/registry is an OCI registry \(type: oci\).*pin an exact/);
    const missing = await resolveCharts(d, release("nowhere", "1.x"), undefined);
    assert.match(missing.problems.prod ?? "", /HelmRelease .*\/nowhere does not exist/);
  });
});
