import { execFile } from "node:child_process";
import { access, constants, copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Where Debian's `chromium` package puts the browser; the `--chromium` flag's default. */
export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/** How long one page may take to print before the browser is killed. */
const PRINT_TIMEOUT_MS = 120_000;

/** Chromium is missing, or could not print the page; the message names the `--chromium` flag or the failure. */
export class ChromiumError extends Error {
  override readonly name = "ChromiumError";
}

/**
 * The flags of a headless, offline print: a fresh profile, no GPU, no network of its own (no QUIC, no background
 * networking, no component updates, no sync), no first-run UI, no header or footer on the pages.
 */
function printArgs(profile: string, pdf: string, page: string): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    `--user-data-dir=${profile}`,
    "--no-pdf-header-footer",
    `--print-to-pdf=${pdf}`,
    page,
  ];
}

function run(file: string, args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: PRINT_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
        resolve({
          code,
          stderr: `${stderr}${err !== null && typeof err.code !== "number" ? err.message : ""}`,
        });
      },
    );
  });
}

/** Throws a {@link ChromiumError} naming the `--chromium` flag unless `chromium` is an executable file. */
export async function ensureChromium(chromium: string): Promise<void> {
  try {
    await access(chromium, constants.X_OK);
  } catch {
    throw new ChromiumError(
      `--chromium ${chromium}: no executable browser there. Install Debian's chromium (\`make report-tools\`, or ` +
        "`apt-get install --no-install-recommends chromium`), pass --chromium PATH, or use --format html.",
    );
  }
}

/**
 * Prints an HTML document to a PDF file with Debian's headless Chromium: the page is written to a fresh temporary
 * directory, opened as a file:// URL with a fresh profile there, and printed; the directory is removed afterwards.
 * The page's own Content-Security-Policy (the default templates allow no script, image, font or connection) keeps
 * the print offline.
 */
export async function printPdf(html: string, out: string, chromium: string): Promise<void> {
  await ensureChromium(chromium);
  const dir = await mkdtemp(join(tmpdir(), "stagegate-report-"));
  try {
    const page = join(dir, "report.html");
    const pdf = join(dir, "report.pdf");
    await writeFile(page, html, { mode: 0o600 });
    const result = await run(chromium, printArgs(join(dir, "profile"), pdf, pathToFileURL(page).href));
    let head = "";
    try {
      head = (await readFile(pdf)).subarray(0, 5).toString("latin1");
    } catch {
      // no file: reported below with the browser's last words
    }
    if (result.code !== 0 || head !== "%PDF-") {
      const said = result.stderr.trim().split("\n").slice(-3).join(" ");
      throw new ChromiumError(
        `${chromium} did not print the report (exit ${result.code ?? "killed"}): ${said || "it said nothing"}`,
      );
    }
    await copyFile(pdf, out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
