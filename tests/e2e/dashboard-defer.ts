// Defer from the dashboard in the browser: the same decision as `stagegate defer --revisit-in`, recorded under the
// signed-in person's name with its revisit time. Attacks first: a Defer without a revisit time, and an Approve
// carrying one, are refused in words and record nothing.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ApprovalObject } from "../../src/cli/change-control.js";
import { resources } from "../../src/controllers/resources.js";
import { text } from "./dashboard-pages.js";
import { openChange, type DashboardWorld } from "./dashboard-world.js";

const CHANGE = "defer-1-prod";

/** Registers the Defer tests on the shared dashboard world. */
export function deferTests(world: () => DashboardWorld): void {
  describe("defer from the dashboard", () => {
    const item = () => `[data-approval="${world().team}/${CHANGE}"]`;
    const decisions = async () =>
      ApprovalObject.parse(await world().admin.get(resources.approval, CHANGE, world().team)).spec.decisions;

    before(async () => {
      const w = world();
      await openChange(w.admin, w.team, CHANGE, "defer-1", [w.usernames.approver], []);
    });

    it("refuses a Defer without a revisit time, and an Approve with one, in words, recording nothing", async () => {
      const w = world();
      const { context, page } = await w.signedIn("approver");
      await page.goto(`${w.url}/waiting`);
      await Promise.all([page.waitForNavigation(), page.click(`${item()} button[value=Defer]`)]);
      assert.match(await text(page, "#result-message"), /Defer needs a revisit time such as 24h/);
      await page.goto(`${w.url}/waiting`);
      await page.type(`${item()} input[name=revisitIn]`, "24h");
      const answer = await Promise.all([
        page.waitForNavigation(),
        page.click(`${item()} button[value=Approve]`),
      ]);
      assert.equal(answer[0]?.status(), 400);
      assert.match(await text(page, "#result-message"), /a revisit time is only for Defer/);
      assert.deepEqual(await decisions(), {});
      await context.close();
    });

    it("an approver defers with a revisit time; the Approval holds Defer under their name until then", async () => {
      const w = world();
      const { context, page } = await w.signedIn("approver");
      await page.goto(`${w.url}/waiting`);
      await page.type(`${item()} input[name=comment]`, "After the payment freeze");
      await page.type(`${item()} input[name=revisitIn]`, "24h");
      const before = Math.floor(Date.now() / 1000) * 1000;
      await Promise.all([page.waitForNavigation(), page.click(`${item()} button[value=Defer]`)]);
      const after = Date.now();
      assert.match(
        await text(page, "#result-message"),
        new RegExp(`${w.usernames.approver} deferred ChangeRequest "${CHANGE}"`),
      );
      const stored = (await decisions())[w.usernames.approver];
      assert.equal(stored?.decision, "Defer");
      assert.equal(stored?.comment, "After the payment freeze");
      const revisit = Date.parse(stored?.revisitAt ?? "");
      const day = 24 * 3_600_000;
      assert.ok(
        revisit >= before + day && revisit <= after + day,
        `revisitAt ${stored?.revisitAt ?? "missing"} is 24h after the decision`,
      );
      await page.goto(`${w.url}/waiting`);
      assert.equal(await page.$(item()), null, "a decided change no longer waits");
      await context.close();
    });
  });
}
