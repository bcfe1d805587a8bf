// The dashboard across two real control planes (ADR 0057): the shared test cluster is home (sign-in, TokenReview),
// a second kube-apiserver + etcd of this file's own is "east". The dashboard is given east's *admin* kubeconfig on
// purpose: it must take only the address and CA from it, so people see on east only what their own east token
// lets them. Attacks first (credentials in the file, unknown clusters, a token east refuses, a revoked east token,
// east down), then the story: both clusters on the board, live, and an approval recorded on east as east's user.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import puppeteer, { type Browser, type BrowserContext, type Page } from "puppeteer-core";
import { z } from "zod";
import { API_VERSION } from "../../src/api/v1alpha1/group.js";
import { ApprovalObject } from "../../src/cli/change-control.js";
import { resources } from "../../src/controllers/resources.js";
import { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { startLocalCluster, type LocalCluster } from "../../hack/local-cluster/index.js";
import { createWebhookTls, writeOperatorCertDir } from "../../hack/local-cluster/webhook-tls.js";
import { kubeconfigPath } from "../support/cluster.js";
import { coreResources } from "../support/core-resources.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { releaseSpec } from "../support/release-world.js";
import { requestToken } from "../support/service-account-token.js";
import { serveCartFeed } from "./dashboard-feed.js";
import { inPage, paste, rowNames, screenshot, text } from "./dashboard-pages.js";
import {
  dashboardKubeconfig,
  grantTokenReviews,
  openChange,
  setReleaseStatus,
  startDashboardProcess,
} from "./dashboard-world.js";

const { clusterRoleBinding, roleBinding } = coreResources;

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

async function serviceAccount(admin: KubeClient, namespace: string, name: string): Promise<void> {
  await admin.create(
    coreResources.serviceAccount,
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } },
    namespace,
  );
}

async function bindRole(
  admin: KubeClient,
  namespace: string,
  role: string,
  subject: { namespace: string; name: string },
): Promise<void> {
  await admin.create(
    roleBinding,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: `${role}-${subject.name}`, namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
      subjects: [{ kind: "ServiceAccount", ...subject }],
    },
    namespace,
  );
}

async function release(admin: KubeClient, namespace: string, name: string, state: string): Promise<void> {
  await admin.create(
    resources.release,
    {
      apiVersion: API_VERSION,
      kind: "Release",
      metadata: { name, namespace },
      spec: releaseSpec({ version: "2.0.0", revision: "b".repeat(40), pipeline: ["dev", "prod"] }),
    },
    namespace,
  );
  await setReleaseStatus(admin, namespace, name, { environments: [{ name: "dev", state }] });
}

/** A fresh browser context signed in to the dashboard (home cluster) with `token`, on the board. */
async function signIn(
  browser: Browser,
  url: string,
  token: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1200, height: 800 });
  await page.goto(`${url}/sign-in`);
  await paste(page, "#token", token);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  await waitFor("signed in", async () => ((await page.$("#signed-in-user")) === null ? undefined : true));
  return { context, page };
}

/** Adds a token for cluster `cluster` through the page's own "not signed in" form; returns the answer's status. */
async function addClusterToken(page: Page, cluster: string, token: string): Promise<number | undefined> {
  await paste(page, `#cluster-token-${cluster}`, token);
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.click(`#cluster-sign-in-${cluster} button[type=submit]`),
  ]);
  return response?.status();
}

/** Sends a form POST from inside the signed-in page (same origin, the session's cookie). */
function postFromPage(
  page: Page,
  action: string,
  form: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return inPage(
    page,
    z.object({ status: z.number(), text: z.string() }),
    `(async () => {
      const response = await fetch(${JSON.stringify(action)}, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(${JSON.stringify(form)}).toString(),
      });
      return { status: response.status, text: await response.text() };
    })()`,
  );
}

const csrfOf = (page: Page): Promise<string> =>
  inPage(page, z.string(), `document.querySelector("input[name=csrf]").value`);

describe("the dashboard across two clusters, in headless Chromium against two real API servers", () => {
  let east: LocalCluster;
  let eastAdmin: KubeClient;
  let homeAdmin: KubeClient;
  let browser: Browser;
  let url: string;
  let dir: string;
  let homeNs: string;
  let homeReader: { token: string; username: string };
  let eastApprover: { token: string; username: string };
  let eastViewerToken: string;
  let stopDashboard: () => Promise<void> = () => Promise.resolve();
  /** The dashboard's own kubeconfig, address and certificates: for a second dashboard of another configuration. */
  let ownArgs: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const eastTeam = "east-team";
  const eastPeople = "east-people";

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "stagegate-dashboard-clusters-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    east = await startLocalCluster({
      installCrdsFrom: [path.join(repo, "crds"), path.join(repo, "config/rbac")],
      thirdPartyCrds: false,
    });
    cleanups.push(() => east.stop());
    eastAdmin = await KubeClient.connect(east.kubeconfigs.admin ?? "");
    homeAdmin = await clientFor("admin");

    // Home: a namespace with one release, a reader who may read releases only there, and the dashboard's
    // identity, whose only right is TokenReview.
    homeNs = await createTestNamespace(homeAdmin, "mc-home");
    const people = await createTestNamespace(homeAdmin, "mc-people");
    for (const ns of [homeNs, people]) cleanups.push(() => homeAdmin.delete(builtin.namespace, ns));
    await release(homeAdmin, homeNs, "home-1", "Verified");
    await serviceAccount(homeAdmin, people, "reader");
    await bindRole(homeAdmin, homeNs, "stagegate-viewer", { namespace: people, name: "reader" });
    await serviceAccount(homeAdmin, people, "dashboard");
    cleanups.push(
      ...(await grantTokenReviews(homeAdmin, `stagegate-dashboard-clusters-${people}`, people, "dashboard")),
    );
    homeReader = {
      token: await requestToken(homeAdmin, people, "reader"),
      username: `system:serviceaccount:${people}:reader`,
    };

    // East: its own team with one release and an open change only east's approver may decide.
    for (const ns of [eastTeam, eastPeople]) {
      await eastAdmin.create(builtin.namespace, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      });
    }
    await release(eastAdmin, eastTeam, "east-1", "Deploying");
    for (const name of ["approver", "viewer"]) await serviceAccount(eastAdmin, eastPeople, name);
    await bindRole(eastAdmin, eastTeam, "stagegate-approver", { namespace: eastPeople, name: "approver" });
    await bindRole(eastAdmin, eastTeam, "stagegate-viewer", { namespace: eastPeople, name: "viewer" });
    eastApprover = {
      token: await requestToken(eastAdmin, eastPeople, "approver"),
      username: `system:serviceaccount:${eastPeople}:approver`,
    };
    eastViewerToken = await requestToken(eastAdmin, eastPeople, "viewer");
    await openChange(eastAdmin, eastTeam, "east-1-prod", "east-1", [eastApprover.username], []);
    // East's own audit trail (cart-1's story), served by the operator's feed handler reviewing tokens on east: on
    // east, its approver is an auditor and its viewer is not.
    const eastFeedDir = path.join(dir, "east-feed");
    await mkdir(eastFeedDir);
    const eastFeed = await serveCartFeed(eastFeedDir, eastTeam, eastAdmin);
    cleanups.push(() => eastFeed.close());
    await eastAdmin.create(clusterRoleBinding, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "east-auditors" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "stagegate-auditor" },
      subjects: [{ kind: "ServiceAccount", namespace: eastPeople, name: "approver" }],
    });

    const tls = await createWebhookTls();
    cleanups.push(() => tls.remove());
    const certDir = await writeOperatorCertDir(tls, path.join(dir, "certs"));
    const kubeconfig = await dashboardKubeconfig(dir, await requestToken(homeAdmin, people, "dashboard"));
    ownArgs = [
      "--kubeconfig",
      kubeconfig,
      "--address",
      "127.0.0.1:0",
      "--cert-dir",
      certDir,
      "--token-recheck",
      "1s",
    ];
    const dashboard = await startDashboardProcess([
      ...ownArgs,
      "--namespaces",
      homeNs,
      "--home-cluster",
      "home",
      // East's ADMIN kubeconfig: the dashboard must read only the address and CA from it.
      "--cluster",
      `east=${east.kubeconfigs.admin ?? ""}`,
      "--cluster-same-token",
      "east",
      "--cluster-namespaces",
      `east=${eastTeam}`,
      "--cluster-audit-feed",
      `east=${eastFeed.url}`,
      "--cluster-audit-feed-ca",
      `east=${eastFeed.caFile}`,
    ]);
    stopDashboard = async () => {
      dashboard.child.kill("SIGTERM");
      await new Promise((resolve) => dashboard.child.once("exit", resolve));
    };
    url = `https://127.0.0.1:${dashboard.port}`;
    browser = await puppeteer.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      acceptInsecureCerts: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
  });

  after(async () => {
    await browser?.close();
    await stopDashboard();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    eastAdmin?.close();
    homeAdmin?.close();
  });

  it("with --cluster-same-token, a cluster that accepts the sign-in token is signed in without a form", async () => {
    // "mirror" is the home API server under a second name: it accepts the home token, as clusters sharing an OIDC
    // issuer do. Its kubeconfig is home's admin one: still only its address and CA are read.
    const mirror = await startDashboardProcess([
      ...ownArgs,
      "--namespaces",
      homeNs,
      "--cluster",
      `mirror=${kubeconfigPath("admin")}`,
      "--cluster-same-token",
      "mirror",
    ]);
    try {
      const { context, page } = await signIn(browser, `https://127.0.0.1:${mirror.port}`, homeReader.token);
      assert.equal(await page.$("#cluster-sign-in-mirror"), null, "no form: the same token was accepted");
      assert.equal((await page.$(`[id="release:${homeNs}/home-1"]`)) === null, false);
      assert.equal((await page.$(`[id="release@mirror:${homeNs}/home-1"]`)) === null, false);
      // Only what the reader's own token allows there: the same one release, and the same refusal to list every
      // namespace (the admin credentials in the file would have listed them all).
      assert.deepEqual(await rowNames(page), [`${homeNs}/home-1`, `${homeNs}/home-1`]);
      assert.match(await page.content(), /Cluster mirror: You may not list releases in every namespace/);
      await page.waitForFunction(
        `document.getElementById("live-status-mirror")?.textContent?.startsWith("Cluster mirror: Live:")`,
      );
      await context.close();
    } finally {
      mirror.child.kill("SIGTERM");
      await new Promise((resolve) => mirror.child.once("exit", resolve));
    }
  });

  it("a malformed --cluster flag stops the start, naming the flag and the fix", async () => {
    await assert.rejects(
      startDashboardProcess(["--address", "127.0.0.1:0", "--cluster", "east"]),
      /--cluster "east" is not NAME=KUBECONFIG; write for example --cluster eu-west=/,
    );
  });

  it("a person signed in at home sees east only as not signed in, though the dashboard holds east's admin kubeconfig", async () => {
    const { context, page } = await signIn(browser, url, homeReader.token);
    assert.deepEqual(await rowNames(page), [`${homeNs}/home-1`]);
    assert.match(
      await text(page, "#cluster-sign-in-east"),
      /Cluster east: not signed in\. Cluster east does not accept your sign-in token; add a token that cluster accepts\./,
    );
    // East's release page is refused with the form to add a token, not shown with the file's credentials.
    const response = await page.goto(`${url}/releases/${eastTeam}/east-1?cluster=east`);
    assert.equal(response?.status(), 401);
    assert.equal((await page.$("#cluster-sign-in-east")) === null, false);
    assert.equal((await page.content()).includes("Deploying"), false);
    // The waiting page shows nothing of east either.
    await page.goto(`${url}/waiting`);
    assert.equal((await page.content()).includes("east-1-prod"), false);
    assert.match(await text(page, "#signed-in-user"), new RegExp(homeReader.username));
    await context.close();
  });

  it("an unknown cluster in a URL, a stream or a form is a 404 naming it", async () => {
    const { context, page } = await signIn(browser, url, homeReader.token);
    const release = await page.goto(`${url}/releases/${homeNs}/home-1?cluster=nowhere`);
    assert.equal(release?.status(), 404);
    assert.match(
      await text(page, "#result-message"),
      /no cluster named "nowhere"; its clusters are home, east/,
    );
    const events = await page.goto(`${url}/events?cluster=nowhere`);
    assert.equal(events?.status(), 404);
    await page.goto(`${url}/`);
    const decided = await postFromPage(page, "/decide", {
      csrf: await csrfOf(page),
      namespace: eastTeam,
      change: "east-1-prod",
      decision: "Approve",
      cluster: "nowhere",
    });
    assert.equal(decided.status, 404);
    assert.match(decided.text, /no cluster named &quot;nowhere&quot;/);
    const signedIn = await postFromPage(page, "/clusters/sign-in", {
      csrf: await csrfOf(page),
      cluster: "nowhere",
      token: eastApprover.token,
    });
    assert.equal(signedIn.status, 404);
    await context.close();
  });

  it("a token east does not accept is refused by east, and the home session goes on", async () => {
    const { context, page } = await signIn(browser, url, homeReader.token);
    assert.equal(await addClusterToken(page, "east", homeReader.token), 401);
    assert.match(await text(page, "#result-message"), /Cluster east does not accept this token/);
    await page.goto(`${url}/`);
    assert.deepEqual(await rowNames(page), [`${homeNs}/home-1`]);
    assert.match(await text(page, "#signed-in-user"), new RegExp(homeReader.username));
    await context.close();
  });

  it("with a token east accepts, the board shows both clusters' rows, each with its cluster, live from each", async () => {
    const { context, page } = await signIn(browser, url, homeReader.token);
    assert.equal(await addClusterToken(page, "east", eastApprover.token), 200);
    assert.deepEqual((await rowNames(page)).sort(), [`${eastTeam}/east-1`, `${homeNs}/home-1`].sort());
    assert.equal((await page.$(`[id="release@east:${eastTeam}/east-1"]`)) === null, false);
    assert.equal((await page.$(`[id="release:${homeNs}/home-1"]`)) === null, false);
    assert.match(await text(page, `[id="release@east:${eastTeam}/east-1"] th`), /cluster east · east-team/);
    assert.match(await text(page, `[id="release:${homeNs}/home-1"] th`), /cluster home · /);
    // Still signed in to the dashboard as the home person: the east token did not replace the home one.
    assert.match(await text(page, "#signed-in-user"), new RegExp(homeReader.username));
    await page.waitForFunction(`document.getElementById("live-status")?.textContent?.startsWith("Live:")`);
    await page.waitForFunction(
      `document.getElementById("live-status-east")?.textContent?.startsWith("Cluster east: Live:")`,
    );
    await screenshot(page, "clusters");
    // A change on east reaches the open page through east's own watch.
    await setReleaseStatus(eastAdmin, eastTeam, "east-1", {
      environments: [{ name: "dev", state: "Verified" }],
    });
    await page.waitForFunction(
      `document.querySelector('[id="release@east:${eastTeam}/east-1"] [data-environment="dev"]')?.dataset.state === "Verified"`,
    );
    // The east row's link opens the release on east.
    await page.click(`[id="release@east:${eastTeam}/east-1"] th a`);
    await page.waitForSelector("#retro-link");
    assert.match(await text(page, "h1 + p.meta"), /^Cluster east · Namespace east-team/);
    await context.close();
  });

  it("approving on east from the waiting page is recorded on east, as the user east authenticated", async () => {
    const { context, page } = await signIn(browser, url, homeReader.token);
    await addClusterToken(page, "east", eastApprover.token);
    await page.goto(`${url}/waiting`);
    const item = `[data-approval="${eastTeam}/east-1-prod"]`;
    assert.match(await text(page, item), /in cluster east · east-team/);
    assert.equal(
      await inPage(page, z.string(), `document.querySelector('${item} input[name=cluster]').value`),
      "east",
    );
    await page.type(`${item} input[name=comment]`, "Approved from the home dashboard.");
    await Promise.all([page.waitForNavigation(), page.click(`${item} button[value=Approve]`)]);
    assert.match(await text(page, "#result-message"), new RegExp(`${eastApprover.username} approved`));
    const approval = ApprovalObject.parse(await eastAdmin.get(resources.approval, "east-1-prod", eastTeam));
    assert.deepEqual(Object.keys(approval.spec.decisions), [eastApprover.username]);
    assert.equal(approval.spec.decisions[eastApprover.username]?.decision, "Approve");
    // Nothing was decided on home in the home person's name.
    assert.equal(approval.spec.decisions[homeReader.username], undefined);
    await context.close();
  });

  it("a release on east has its retrospective from east's own feed, read with the token east accepted", async () => {
    const retro = `${url}/releases/${eastTeam}/cart-1/retro?cluster=east`;
    // Signed in at home only: the page to add an east token; the home token is never sent to east's feed.
    const home = await signIn(browser, url, homeReader.token);
    assert.equal((await home.page.goto(retro))?.status(), 401);
    assert.equal((await home.page.$("#cluster-sign-in-east")) === null, false);
    await home.context.close();
    // East's viewer: east's feed reviews that token on east, where it may not list auditrecords.
    const viewer = await signIn(browser, url, homeReader.token);
    assert.equal(await addClusterToken(viewer.page, "east", eastViewerToken), 200);
    assert.equal((await viewer.page.goto(retro))?.status(), 403);
    assert.match(
      await text(viewer.page, "#result-message"),
      /The audit feed answered 403.*stagegate-auditor/s,
    );
    await viewer.context.close();
    // East's approver, an auditor on east: east's trail, verified by east's feed.
    const { context, page } = await signIn(browser, url, homeReader.token);
    assert.equal(await addClusterToken(page, "east", eastApprover.token), 200);
    assert.equal((await page.goto(retro))?.status(), 200);
    assert.match(await text(page, "h1"), new RegExp(`Retrospective of release ${eastTeam}/cart-1`));
    assert.match(await text(page, "#chain-headline"), /Chain verified by the operator's audit feed/);
    assert.match(await text(page, "#retro"), /approver-of-record/);
    await context.close();
  });

  it("an east token east stops accepting signs the session out of east only", async () => {
    const { context, page } = await signIn(browser, url, homeReader.token);
    await addClusterToken(page, "east", eastApprover.token);
    assert.deepEqual((await rowNames(page)).sort(), [`${eastTeam}/east-1`, `${homeNs}/home-1`].sort());
    await page.waitForFunction(
      `document.getElementById("live-status-east")?.textContent?.startsWith("Cluster east: Live:")`,
    );
    await eastAdmin.delete(coreResources.serviceAccount, "approver", eastPeople);
    // The open page learns it without a click: the token recheck asks east again, and east's stream ends.
    await page.waitForFunction(
      `document.getElementById("live-status-east")?.textContent === "Cluster east no longer accepts your token for it; add a token that cluster accepts."`,
      { timeout: 30_000 },
    );
    assert.match(await text(page, "#live-status"), /^Live:/, "the home stream goes on");
    await waitFor("east refuses the deleted account's token", async () => {
      await page.goto(`${url}/`);
      return (await page.$("#cluster-sign-in-east")) === null ? undefined : true;
    });
    assert.match(await text(page, "#cluster-sign-in-east"), /no longer accepts your token/);
    assert.deepEqual(await rowNames(page), [`${homeNs}/home-1`]);
    assert.match(await text(page, "#signed-in-user"), new RegExp(homeReader.username));
    await context.close();
  });

  it("east going down leaves the home rows and their live updates, and names east as unavailable", async () => {
    const { context, page } = await signIn(browser, url, homeReader.token);
    assert.equal(await addClusterToken(page, "east", eastViewerToken), 200);
    await page.waitForFunction(
      `document.getElementById("live-status-east")?.textContent?.startsWith("Cluster east: Live:")`,
    );
    await east.apiserver.kill();
    await page.waitForFunction(
      `!document.getElementById("live-status-east")?.textContent?.startsWith("Cluster east: Live:")`,
      { timeout: 60_000 },
    );
    assert.match(await text(page, "#live-status"), /^Live:/);
    await page.goto(`${url}/`);
    assert.deepEqual(await rowNames(page), [`${homeNs}/home-1`]);
    assert.match(await page.content(), /Cluster east is unavailable/);
    await page.waitForFunction(`document.getElementById("live-status")?.textContent?.startsWith("Live:")`);
    await context.close();
  });
});
