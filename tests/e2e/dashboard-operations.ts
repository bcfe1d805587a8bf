// The dashboard's operations pages in the browser (overdue and stalled tasks; recent deployments, rollbacks and
// unapproved deployments) and the end of a session whose token is revoked while its page is open. Attacks first:
// what RBAC hides stays hidden, and a person who may write a task cannot make it look overdue or not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Page } from "puppeteer-core";
import { z } from "zod";
import { API_VERSION } from "../../src/api/v1alpha1/group.js";
import { resources } from "../../src/controllers/resources.js";
import { ApiError } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { leanKubeCredentials } from "../../src/runtime/kube/kube-credentials.js";
import { userClient } from "../../src/dashboard/user-client.js";
import { kubeconfigPath } from "../support/cluster.js";
import { coreResources } from "../support/core-resources.js";
import { waitFor } from "../support/kube.js";
import { requestToken } from "../support/service-account-token.js";
import { inPage, screenshot, text, texts } from "./dashboard-pages.js";
import type { DashboardWorld } from "./dashboard-world.js";

/** The values of `attribute` on the elements `selector` matches, in page order. */
const attributes = (page: Page, selector: string, attribute: string): Promise<string[]> =>
  inPage(
    page,
    z.array(z.string()),
    `[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.getAttribute(${JSON.stringify(attribute)}) ?? "")`,
  );

/**
 * The same, sorted, of this world's namespaces only (`dash-...`): the approver may list every namespace, and other
 * test files share the cluster.
 */
const keysOf = async (page: Page, selector: string, attribute: string): Promise<string[]> =>
  (await attributes(page, selector, attribute)).filter((key) => key.startsWith("dash-")).sort();

/** A client acting with `token` against the test cluster: the dashboard's own user client, outside the browser. */
function clientWithToken(token: string): KubeClient {
  const cluster = leanKubeCredentials(kubeconfigPath("admin"));
  if (cluster === undefined) throw new Error("the admin kubeconfig has no usable credentials");
  return userClient(cluster, token);
}

/** Registers the operations pages' tests on the shared dashboard world. */
export function operationsTests(world: () => DashboardWorld): void {
  describe("operations pages", () => {
    it("the viewer sees no task, deployment or rollback of a namespace RBAC denies, and is told so", async () => {
      const w = world();
      const { context, page } = await w.signedIn("viewer");
      const overdue = await page.goto(`${w.url}/overdue`);
      assert.equal(overdue?.status(), 200);
      assert.deepEqual(await keysOf(page, "#overdue-tasks tbody tr", "data-task"), [
        `${w.other}/ledger-review`,
      ]);
      assert.equal(await page.$("#stalled-tasks"), null, "the team's stalled task is not shown");
      const notices = await texts(page, ".notice");
      assert.ok(
        notices.some((n) => n.includes(`list deploymenttasks in namespace "${w.team}"`)),
        notices.join("\n"),
      );
      await page.goto(`${w.url}/deployments`);
      assert.deepEqual(await keysOf(page, "#recent-deployments tbody tr", "data-deployment"), [
        `${w.other}/ledger-1/dev`,
      ]);
      assert.equal(await page.$("#unapproved"), null);
      assert.equal(await page.$("#rollbacks"), null);
      assert.match(await text(page, "#no-unapproved"), /no unapproved deployment/);
      await context.close();
    });

    it("a person who may write tasks cannot make one look overdue: status is the operator's alone", async () => {
      const w = world();
      const manager = clientWithToken(w.tokens.manager);
      try {
        const forged = {
          type: "Checklist",
          title: "Looks overdue",
          dueAt: "2020-01-01T00:00:00Z",
        };
        await manager.create(
          resources.deploymentTask,
          {
            apiVersion: API_VERSION,
            kind: "DeploymentTask",
            metadata: { name: "forged-overdue", namespace: w.team },
            spec: forged,
            // The API server drops a status sent with a create (status is a subresource).
            status: {
              conditions: [
                {
                  type: "Overdue",
                  status: "True",
                  reason: "PastDue",
                  message: "Forged by the manager.",
                  lastTransitionTime: "2020-01-01T00:00:00Z",
                },
              ],
            },
          },
          w.team,
        );
        await assert.rejects(
          manager.patch(
            resources.deploymentTask,
            "forged-overdue",
            w.team,
            { status: { conditions: [] } },
            { type: "merge", subresource: "status" },
          ),
          (err: unknown) => err instanceof ApiError && err.status === 403,
        );
        const { context, page } = await w.signedIn("approver");
        await page.goto(`${w.url}/overdue`);
        const shown = await keysOf(page, "#overdue-tasks tbody tr", "data-task");
        assert.ok(shown.includes(`${w.team}/smoke-check`), shown.join(", "));
        assert.equal(
          shown.includes(`${w.team}/forged-overdue`),
          false,
          "a spec's past due date is not the operator's word",
        );
        assert.doesNotMatch(await text(page, "main"), /Forged by the manager/);
        await context.close();
      } finally {
        await w.admin.delete(resources.deploymentTask, "forged-overdue", w.team).catch(() => undefined);
        manager.close();
      }
    });

    it("overdue and stalled tasks show with their owners and the operator's sentences", async () => {
      const w = world();
      const { context, page } = await w.signedIn("approver");
      await page.goto(`${w.url}/overdue?namespace=${w.team},${w.other}`);
      assert.deepEqual(await keysOf(page, "#overdue-tasks tbody tr", "data-task"), [
        `${w.other}/ledger-review`,
        `${w.team}/smoke-check`,
      ]);
      const smoke = await text(page, `[data-task="${w.team}/smoke-check"]`);
      assert.match(smoke, /Smoke-test checkout in prod/);
      assert.match(smoke, /group sre/);
      assert.match(smoke, /release cart-1/);
      assert.match(smoke, /The task was due at 2026-01-05T09:00:00Z and has not succeeded\./);
      const stalled = await text(page, `#stalled-tasks [data-task="${w.team}/uat-signoff"]`);
      assert.match(stalled, /InvalidSpec/);
      assert.match(stalled, /taskSLA: not a duration/);
      await screenshot(page, "overdue");
      const bad = await page.goto(`${w.url}/overdue?owner=me&since=2026-01-01`);
      assert.equal(bad?.status(), 400);
      assert.match(await text(page, "#result-message"), /unknown query parameters "owner", "since"/);
      await context.close();
    });

    it("recent deployments, rollbacks and unapproved deployments come from what the operator recorded", async () => {
      const w = world();
      const { context, page } = await w.signedIn("approver");
      await page.goto(`${w.url}/deployments`);
      const unapproved = await text(page, `#unapproved [data-release="${w.team}/cart-1"]`);
      assert.match(unapproved, /Unapproved/);
      assert.match(unapproved, /argocd\/cart-prod runs revision dddddddddddd/);
      // The approver may list every namespace; other test files share the cluster, so only this world's rows.
      const order = (await attributes(page, "#recent-deployments tbody tr", "data-deployment")).filter(
        (key) => key.startsWith(`${w.team}/`) || key.startsWith(`${w.other}/`),
      );
      assert.deepEqual(order, [`${w.team}/cart-1/prod`, `${w.team}/cart-1/dev`, `${w.other}/ledger-1/dev`]);
      assert.match(await text(page, `[data-deployment="${w.team}/cart-1/dev"]`), /verified[\s\S]*Verified/);
      const rollback = await text(page, `#rollbacks [data-task="${w.team}/rollback-cart-1-prod"]`);
      assert.match(rollback, /CheckoutErrorRate/);
      assert.match(rollback, /release cart-1/);
      await screenshot(page, "deployments");
      await page.goto(`${w.url}/deployments?selector=team%3Dfinance`);
      assert.equal(await page.$("#unapproved"), null, "the selector filters the releases");
      await context.close();
    });
  });

  describe("sessions", () => {
    it("a token revoked while a page is open ends the session, and the page says so", async () => {
      const w = world();
      const name = "leaver";
      await w.admin.create(
        coreResources.serviceAccount,
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: w.people } },
        w.people,
      );
      await w.admin.create(
        {
          group: "rbac.authorization.k8s.io",
          version: "v1",
          plural: "rolebindings",
          kind: "RoleBinding",
          namespaced: true,
        },
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: "dash-leaver", namespace: w.other },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "stagegate-viewer" },
          subjects: [{ kind: "ServiceAccount", namespace: w.people, name }],
        },
        w.other,
      );
      const { context, page } = await w.signedInWith(await requestToken(w.admin, w.people, name));
      await page.waitForFunction(`document.getElementById("live-status")?.textContent?.startsWith("Live:")`);
      await w.admin.delete(coreResources.serviceAccount, name, w.people);
      await page.waitForSelector("#session-ended", { timeout: 30_000 });
      assert.match(await text(page, "#session-ended"), /the API server no longer accepts your token/);
      const again = await page.goto(`${w.url}/`);
      assert.equal(new URL(again?.url() ?? "").pathname, "/sign-in", "the session is gone");
      await waitFor("the dashboard's log of the ended session", () =>
        w.dashboardLog().includes("Ended sessions whose tokens the API server no longer accepts")
          ? true
          : undefined,
      );
      await context.close();
    });
  });
}
