// The operations dashboard end to end: its own process against the real API server and the shipped admission
// webhooks, driven in headless Chromium by people with different RBAC. Attacks first: what the least privileged
// may not see or do through the dashboard, then the stories (see only what you may list, approve, be refused
// under separation of duties, watch a row move without reloading).
import assert from "node:assert/strict";
import https from "node:https";
import { after, before, describe, it } from "node:test";
import type { Page } from "puppeteer-core";
import { z } from "zod";
import { ApprovalObject } from "../../src/cli/change-control.js";
import { resources } from "../../src/controllers/resources.js";
import { waitFor } from "../support/kube.js";
import {
  CHANGES,
  recordEvent,
  setReleaseStatus,
  startDashboardWorld,
  type DashboardWorld,
} from "./dashboard-world.js";
import { inPage, rowNames, screenshot, text, texts } from "./dashboard-pages.js";
import { operationsTests } from "./dashboard-operations.js";
import { insightsTests } from "./dashboard-insights.js";
import { proxyTests } from "./dashboard-proxy.js";
import { retroTests } from "./dashboard-retro.js";
import { roleTaskTests } from "./dashboard-roles.js";
import { deferTests } from "./dashboard-defer.js";

async function decisionsOf(w: DashboardWorld, name: string): Promise<Record<string, { decision: string }>> {
  return ApprovalObject.parse(await w.admin.get(resources.approval, name, w.team)).spec.decisions;
}

/** Sends a form POST from inside the signed-in page (same origin, the session's cookie), returning status and text. */
function postFromPage(page: Page, form: Record<string, string>): Promise<{ status: number; text: string }> {
  return inPage(
    page,
    z.object({ status: z.number(), text: z.string() }),
    `(async () => {
      const response = await fetch("/decide", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(${JSON.stringify(form)}).toString(),
      });
      return { status: response.status, text: await response.text() };
    })()`,
  );
}

/** Submits a form as a browser does (a navigation), from inside the page. */
async function submitFromPage(page: Page, form: Record<string, string>): Promise<void> {
  await Promise.all([
    page.waitForNavigation(),
    page.evaluate(`(() => {
      const form = document.createElement("form");
      form.method = "post";
      form.action = "/decide";
      for (const [name, value] of Object.entries(${JSON.stringify(form)})) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.append(input);
      }
      document.body.append(form);
      form.submit();
    })()`),
  ]);
}

/** The session's CSRF token, as the page's own forms carry it. */
const csrfOf = (page: Page): Promise<string> =>
  inPage(page, z.string(), `document.querySelector("input[name=csrf]").value`);

describe("the operations dashboard in headless Chromium against the real API server", () => {
  let w: DashboardWorld;
  before(async () => {
    w = await startDashboardWorld();
  });
  after(async () => {
    await w?.stop();
  });

  describe("attacks", () => {
    it("a token the API server does not accept is refused at sign-in, with no session", async () => {
      const context = await w.browser.createBrowserContext();
      const page = await context.newPage();
      await page.goto(`${w.url}/sign-in`);
      await page.type("#token", "not-a-real-token");
      const [response] = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      assert.equal(response?.status(), 401);
      assert.match(await text(page, "#sign-in-error"), /The API server does not accept this token/);
      assert.deepEqual(await context.cookies(), []);
      const board = await page.goto(`${w.url}/`);
      assert.equal(
        new URL(board?.url() ?? "").pathname,
        "/sign-in",
        "the board sends an unknown visitor to sign in",
      );
      await context.close();
    });

    it("the session cookie is HttpOnly, Secure, SameSite=Strict and holds no token", async () => {
      const { context, page } = await w.signedIn("viewer");
      const cookies = await context.cookies();
      assert.equal(cookies.length, 1);
      const [cookie] = cookies;
      assert.equal(cookie?.name, "__Host-stagegate-session");
      assert.equal(cookie?.httpOnly, true);
      assert.equal(cookie?.secure, true);
      assert.equal(cookie?.sameSite, "Strict");
      assert.equal(cookie?.value.includes(w.tokens.viewer.slice(0, 20)), false);
      assert.equal(
        await inPage(page, z.string(), "document.cookie"),
        "",
        "scripts cannot read the session cookie",
      );
      await context.close();
    });

    it("the least privileged viewer sees no release of a namespace RBAC denies, on the board or its page", async () => {
      const { context, page } = await w.signedIn("viewer");
      assert.deepEqual(await rowNames(page), [`${w.other}/ledger-1`]);
      const notices = await texts(page, ".notice");
      assert.ok(
        notices.some((n) => n.includes(`list releases in namespace "${w.team}"`) && n.includes("Forbidden")),
        notices.join("\n"),
      );
      await page.goto(`${w.url}/?namespace=${w.team}`);
      assert.deepEqual(await rowNames(page), []);
      const direct = await page.goto(`${w.url}/releases/${w.team}/shop-1`);
      assert.equal(direct?.status(), 403);
      assert.match(await text(page, "#result-message"), /cannot get resource "releases"/);
      await page.goto(`${w.url}/waiting`);
      assert.equal(await page.$("#waiting-approvals"), null);
      await context.close();
    });

    it("a POST without the session's CSRF token, or from another site, is refused and changes nothing", async () => {
      const { context, page } = await w.signedIn("approver");
      const refused = await postFromPage(page, {
        namespace: w.team,
        change: CHANGES.billing,
        decision: "Approve",
      });
      assert.equal(refused.status, 403);
      assert.match(refused.text, /missing or wrong CSRF token/);
      const wrong = await postFromPage(page, {
        csrf: "forged",
        namespace: w.team,
        change: CHANGES.billing,
        decision: "Approve",
      });
      assert.equal(wrong.status, 403);
      // Another site's form carries the browser's cookie only if SameSite allowed it; its Origin gives it away anyway.
      const [cookie] = await context.cookies();
      const csrf = await csrfOf(page);
      const crossSite = await new Promise<number>((resolve, reject) => {
        const req = https.request(`${w.url}/decide`, {
          method: "POST",
          rejectUnauthorized: false,
          headers: {
            Origin: "https://evil.example",
            Cookie: `${cookie?.name ?? ""}=${cookie?.value ?? ""}`,
            "Content-Type": "application/x-www-form-urlencoded",
          },
        });
        req.on("response", (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end(`csrf=${csrf}&namespace=${w.team}&change=${CHANGES.billing}&decision=Approve`);
      });
      assert.equal(crossSite, 403);
      assert.deepEqual(await decisionsOf(w, CHANGES.billing), {});
      await context.close();
    });

    it("the dashboard never decides as anyone but the signed-in user, whatever the form says", async () => {
      const { context, page } = await w.signedIn("approver");
      await page.goto(`${w.url}/waiting`);
      const posted = await postFromPage(page, {
        csrf: await csrfOf(page),
        namespace: w.team,
        change: CHANGES.billing,
        decision: "Approve",
        user: w.usernames.author,
        username: w.usernames.author,
        "decisions[author]": "Approve",
      });
      assert.equal(posted.status, 200, posted.text);
      assert.deepEqual(Object.keys(await decisionsOf(w, CHANGES.billing)), [w.usernames.approver]);
      await context.close();
    });
  });

  operationsTests(() => w);
  proxyTests(() => w);
  insightsTests(() => w);
  retroTests(() => w);
  roleTaskTests(() => w);
  deferTests(() => w);

  describe("stories", () => {
    it("two people with different RBAC see only what each may list", async () => {
      const viewer = await w.signedIn("viewer");
      const approver = await w.signedIn("approver");
      assert.deepEqual(await rowNames(viewer.page), [`${w.other}/ledger-1`]);
      // The approver may list releases in every namespace; other test files share the cluster, so only this world's.
      const ours = (name: string): boolean => name.startsWith(`${w.team}/`) || name.startsWith(`${w.other}/`);
      assert.deepEqual((await rowNames(approver.page)).filter(ours).sort(), [
        `${w.other}/ledger-1`,
        `${w.team}/billing-1`,
        `${w.team}/cart-1`,
        `${w.team}/shop-1`,
      ]);
      const cell = await text(approver.page, `[id="release:${w.team}/shop-1"] [data-environment=prod]`);
      assert.match(cell, /Gated/);
      assert.match(cell, new RegExp(`ChangeRequest ${CHANGES.shop} is not approved yet`));
      await screenshot(approver.page, "board");
      await approver.page.goto(`${w.url}/?selector=team%3Dpayments`);
      assert.deepEqual((await rowNames(approver.page)).filter(ours), [`${w.team}/shop-1`]);
      const bad = await approver.page.goto(`${w.url}/?selector=owner%3Dme&l=x`);
      assert.equal(bad?.status(), 400);
      assert.match(await text(approver.page, "#result-message"), /unknown query parameter "l"/);
      await viewer.context.close();
      await approver.context.close();
    });

    it("an approver finds the change waiting for them, approves in the browser, and the Approval holds it under their name", async () => {
      const { context, page } = await w.signedIn("approver");
      await page.goto(`${w.url}/waiting`);
      const item = `[data-approval="${w.team}/${CHANGES.shop}"]`;
      assert.notEqual(await page.$(item), null, "the shop change waits for the approver");
      await screenshot(page, "waiting");
      await page.type(`${item} input[name=comment]`, "Rollback plan reviewed");
      await Promise.all([page.waitForNavigation(), page.click(`${item} button[value=Approve]`)]);
      assert.match(
        await text(page, "#result-message"),
        new RegExp(`${w.usernames.approver} approved ChangeRequest "${CHANGES.shop}"`),
      );
      const decisions = await decisionsOf(w, CHANGES.shop);
      assert.deepEqual(Object.keys(decisions), [w.usernames.approver]);
      assert.equal(decisions[w.usernames.approver]?.decision, "Approve");
      // The webhook stamped the decision from the API request: the groups are the approver's authenticated ones.
      const stored = ApprovalObject.parse(await w.admin.get(resources.approval, CHANGES.shop, w.team)).spec
        .decisions[w.usernames.approver];
      assert.ok(stored?.groups?.includes(`system:serviceaccounts:${w.people}`), JSON.stringify(stored));
      await page.goto(`${w.url}/waiting`);
      assert.equal(await page.$(item), null, "a decided change no longer waits");
      await context.close();
    });

    it("a commit author is refused under separation of duties, and the page says so in the webhook's words", async () => {
      const { context, page } = await w.signedIn("author");
      await page.goto(`${w.url}/waiting`);
      assert.equal(
        await page.$(`[data-approval="${w.team}/${CHANGES.shop}"]`),
        null,
        "nothing waits for an excluded author",
      );
      // The author sends the form anyway, from the dashboard's own page with a valid session and CSRF token.
      const csrf = await csrfOf(page);
      await submitFromPage(page, { csrf, namespace: w.team, change: CHANGES.shop, decision: "Approve" });
      const message = await text(page, "#result-message");
      assert.match(message, /SeparationOfDuties/);
      assert.match(message, /separation of duties \(author of commit aaaaaaa in the release\)/);
      assert.equal(Object.keys(await decisionsOf(w, CHANGES.shop)).includes(w.usernames.author), false);
      await waitFor("the webhook's audited denial of the author", () =>
        w.audit.entries.find((e) => e.action === "AdmissionDenied" && e.actor === w.usernames.author),
      );
      await context.close();
    });

    it("a release's row updates without a reload when its status changes", async () => {
      const { context, page } = await w.signedIn("approver");
      await page.waitForFunction(`document.getElementById("live-status")?.textContent?.startsWith("Live:")`);
      await page.evaluate("window.notReloaded = true");
      await setReleaseStatus(w.admin, w.team, "shop-1", {
        environments: [
          { name: "dev", state: "Verified" },
          { name: "prod", state: "Deploying", reasons: ["Argo CD is syncing revision aaaaaaa."] },
        ],
      });
      const selector = `[id="release:${w.team}/shop-1"] [data-environment=prod]`;
      await page.waitForFunction(
        `document.querySelector(${JSON.stringify(selector)})?.getAttribute("data-state") === "Deploying"`,
      );
      assert.match(await text(page, selector), /Argo CD is syncing revision aaaaaaa/);
      assert.equal(
        await inPage(page, z.boolean(), "window.notReloaded === true"),
        true,
        "the page was not reloaded",
      );
      await context.close();
    });

    it("a release page shows each environment with its reasons, and its Events", async () => {
      const uid = (await w.admin.get(resources.release, "shop-1", w.team)).metadata.uid ?? "";
      await recordEvent(
        w.admin,
        w.team,
        { name: "shop-1", uid },
        "GateBlocked",
        "The prod gate waits for approvals.",
      );
      // An Event naming the release but another object's uid (an earlier release of the same name) is not its own.
      await recordEvent(
        w.admin,
        w.team,
        { name: "shop-1", uid: "0000-forged" },
        "Forged",
        "Not about this release.",
      );
      const { context, page } = await w.signedIn("approver");
      const response = await page.goto(`${w.url}/releases/${w.team}/shop-1`);
      assert.equal(response?.status(), 200);
      assert.match(await text(page, "h1"), /Release shop-1/);
      assert.match(await text(page, `[data-environment=prod]`), /Deploying/);
      const events = await text(page, "#release-events");
      assert.match(events, /GateBlocked/);
      assert.match(events, /The prod gate waits for approvals\./);
      assert.doesNotMatch(events, /Forged/);
      await screenshot(page, "release");
      const missing = await page.goto(`${w.url}/releases/${w.team}/no-such-release`);
      assert.equal(missing?.status(), 404);
      assert.match(await text(page, "#result-message"), /NotFound/);
      await context.close();
    });
  });
});
