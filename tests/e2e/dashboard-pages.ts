// Reading the dashboard's pages in the browser tests: expressions evaluated in the page and parsed with zod, the
// board's rows, texts by selector, and screenshots for the docs when asked for.
import path from "node:path";
import type { Page } from "puppeteer-core";
import { z } from "zod";

/** Where screenshots go when asked for (STAGEGATE_SCREENSHOTS=docs/images); a normal run writes nothing. */
const SCREENSHOTS = process.env.STAGEGATE_SCREENSHOTS;

/** Saves a full-page screenshot as docs/images/dashboard-NAME.png when STAGEGATE_SCREENSHOTS names the folder. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS === undefined || SCREENSHOTS === "") return;
  await page.screenshot({ path: path.resolve(SCREENSHOTS, `dashboard-${name}.png`), fullPage: true });
}

/**
 * Evaluates a browser-side expression (a string: these tests compile without the DOM's types) and parses what it
 * returns with `schema`.
 */
export async function inPage<T extends z.ZodType>(
  page: Page,
  schema: T,
  expression: string,
): Promise<z.infer<T>> {
  return schema.parse(await page.evaluate(expression));
}

/** The board's rows, as `namespace/name`, in page order. */
export const rowNames = (page: Page): Promise<string[]> =>
  inPage(
    page,
    z.array(z.string()),
    `[...document.querySelectorAll("#board-rows tr")].map((row) => row.getAttribute("data-release") ?? "")`,
  );

/** The text of the first element `selector` matches (empty when none does). */
export const text = (page: Page, selector: string): Promise<string> =>
  inPage(page, z.string(), `document.querySelector(${JSON.stringify(selector)})?.textContent ?? ""`);

/** The texts of every element `selector` matches. */
export const texts = (page: Page, selector: string): Promise<string[]> =>
  inPage(
    page,
    z.array(z.string()),
    `[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.textContent ?? "")`,
  );

/**
 * Puts `value` into the empty field `selector` in one input event, as pasting it does. People paste tokens; typed
 * key by key, a token of a thousand characters took seconds of every sign-in.
 */
export async function paste(page: Page, selector: string, value: string): Promise<void> {
  await page.focus(selector);
  await page.keyboard.sendCharacter(value);
}
