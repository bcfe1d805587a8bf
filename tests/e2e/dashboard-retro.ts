// A release's timeline and retrospective in the browser, from the operator's audit feed read with the signed-in
// user's token: who may not read the audit record is told so, the story shows as the verified trail tells it, and a
// line altered by hand in the trail shows as a broken chain with its entry marked.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { changeApproved, changeRequested, promoted } from "../unit/insights/entries.js";
import { screenshot, text, texts } from "./dashboard-pages.js";
import { asRecorded } from "./dashboard-feed.js";
import type { DashboardWorld } from "./dashboard-world.js";

/** Registers the retrospective's tests on the shared dashboard world; the last one breaks the trail's chain. */
export function retroTests(world: () => DashboardWorld): void {
  describe("timeline and retrospective from the audit feed", () => {
    it("someone who may not list auditrecords is refused by the feed, and the page says so", async () => {
      const w = world();
      const { context, page } = await w.signedIn("author");
      const refused = await page.goto(`${w.url}/releases/${w.team}/cart-1/retro`);
      assert.equal(refused?.status(), 403);
      const message = await text(page, "#result-message");
      assert.match(message, /The audit feed answered 403/);
      assert.match(message, /stagegate-auditor/);
      assert.equal(await page.$("#retro"), null);
      await context.close();
    });

    it("an auditor reads a release's retrospective from the verified trail, from its release page", async () => {
      const w = world();
      const { context, page } = await w.signedIn("approver");
      await page.goto(`${w.url}/releases/${w.team}/cart-1`);
      const [response] = await Promise.all([page.waitForNavigation(), page.click("#retro-link")]);
      assert.equal(response?.status(), 200);
      assert.match(await text(page, "h1"), new RegExp(`Retrospective of release ${w.team}/cart-1`));
      assert.match(await text(page, "#chain-headline"), /Chain verified by the operator's audit feed/);
      const retro = await text(page, "#retro");
      assert.match(
        retro,
        /Requested at 2026-01-05T08:00:00/,
        "where prod waited, from the change request on",
      );
      assert.match(retro, /ChangeApproved|approved/i);
      assert.match(retro, /approver-of-record/);
      assert.doesNotMatch(retro, /not vouched for by the chain/);
      await screenshot(page, "retro");
      const bad = await page.goto(`${w.url}/releases/${w.team}/cart-1/retro?format=pdf`);
      assert.equal(bad?.status(), 400);
      assert.match(await text(page, "#result-message"), /unknown query parameters "format"/);
      await context.close();
    });

    // Last: once the feed found the break, the chain stays broken for every later reader.
    it("a line altered by hand in the trail shows as a broken chain, its entry marked and not counted", async () => {
      const w = world();
      const shop = { namespace: w.team, name: "shop-1" };
      await w.feed.append(
        asRecorded(
          [
            promoted(shop, "2026-01-06T10:00:00Z", "dev", "a".repeat(40)),
            changeRequested(shop, "2026-01-06T10:30:00Z", "shop-1-prod", "prod"),
            changeApproved(shop, "2026-01-06T11:00:00Z", "shop-1-prod", w.usernames.approver),
          ],
          "shop-1-uid",
        ),
      );
      // Someone with write access to the file claims another person settled the change.
      await w.feed.tamper(10, (entry) => {
        const details = entry.details as Record<string, unknown>;
        details.resolvedBy = "mallory";
        details.message = "Approval shop-1-prod (round 1): Approved, settled by mallory.";
      });
      const { context, page } = await w.signedIn("approver");
      await page.goto(`${w.url}/releases/${w.team}/shop-1/retro`);
      assert.match(await text(page, "#chain-headline"), /CHAIN BROKEN/);
      const rows = await texts(page, "#retro tr");
      const forged = rows.filter((row) => row.includes("mallory"));
      assert.ok(forged.length > 0, rows.join("\n"));
      for (const row of forged) assert.match(row, /not vouched for by the chain/);
      assert.match(await text(page, "#retro"), /broken at position 10/);
      await context.close();
    });
  });
}
