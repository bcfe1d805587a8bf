// DORA and bottleneck charts in the browser, computed from the audit feed read with the signed-in user's token:
// who may not read the audit record is told so; the charts are SVG with every value as text, patterns besides
// colour, focusable bars and the same numbers in a table; a bad query is a 400 naming the parameter.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { inPage, screenshot, text, texts } from "./dashboard-pages.js";
import type { DashboardWorld } from "./dashboard-world.js";

/** The accessible names of a chart's bars, in order. */
const barNames = (page: Parameters<typeof text>[0], chart: string): Promise<string[]> =>
  inPage(
    page,
    z.array(z.string()),
    `[...document.querySelectorAll("#${chart} .bar")].map((bar) => bar.getAttribute("aria-label") ?? "")`,
  );

/** Registers the insights page's tests on the shared dashboard world (before anything breaks its trail). */
export function insightsTests(world: () => DashboardWorld): void {
  describe("DORA and bottleneck charts from the audit feed", () => {
    it("someone who may not list auditrecords is refused by the feed, and the page says so", async () => {
      const w = world();
      const { context, page } = await w.signedIn("author");
      const refused = await page.goto(`${w.url}/insights?days=366`);
      assert.equal(refused?.status(), 403);
      assert.match(
        await text(page, "#result-message"),
        /The audit feed answered 403[\s\S]*stagegate-auditor/,
      );
      assert.equal(await page.$("svg"), null);
      await context.close();
    });

    it("an auditor sees the measures as labelled SVG bars with patterns, focusable, and as a table", async () => {
      const w = world();
      const { context, page } = await w.signedIn("approver");
      const response = await page.goto(`${w.url}/insights?days=366`);
      assert.equal(response?.status(), 200);
      const frequency = await barNames(page, "dora-frequency");
      assert.deepEqual(
        frequency.map((name) => name.split(":")[0]),
        ["dev"],
        "only dev ended (verified) in cart-1's story",
      );
      assert.match(frequency[0] ?? "", /\/day \(1\)/);
      assert.match((await barNames(page, "dora-lead-time"))[0] ?? "", /^dev: 20m00s$/);
      assert.match(await text(page, "#dora-table"), /dev\s*1/);
      const waits = await barNames(page, "bottlenecks");
      assert.ok(
        waits.some((name) => name.includes("(deploying)")),
        waits.join("\n"),
      );
      assert.ok(
        waits.some((name) => name.includes("(verifying)")),
        waits.join("\n"),
      );
      // Readable without colour: the phase is written on the bar and named in the legend with its pattern.
      assert.match(await text(page, "#bottlenecks"), /deploying/);
      const legends = await texts(page, "figcaption");
      assert.ok(
        legends.some((l) => /Patterns: .*deploying = /.test(l)),
        legends.join("\n"),
      );
      // Keyboard: after the form's button, Tab reaches the first chart's first bar, which names what it shows.
      await page.focus("form.filter button");
      await page.keyboard.press("Tab");
      assert.match(
        await inPage(page, z.string(), `document.activeElement?.getAttribute("aria-label") ?? ""`),
        /^dev: /,
      );
      await screenshot(page, "insights");
      for (const [query, named] of [
        ["days=0", /days "0" is not a whole number of days from 1 to 366/],
        ["selector=owner%3Dme", /selector: /],
        ["days=30&env=prod", /unknown query parameter "env"/],
      ] as const) {
        const bad = await page.goto(`${w.url}/insights?${query}`);
        assert.equal(bad?.status(), 400, query);
        assert.match(await text(page, "#result-message"), named);
      }
      await context.close();
    });
  });
}
