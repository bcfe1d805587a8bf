/**
 * `make report-tools`: makes sure the report tests' real tools are on this machine, installing the Debian packages
 * when they are missing (needs root then): chromium (prints reports to PDF headless), poppler-utils (pdftotext reads
 * the PDF's text back) and fonts-liberation (a font for the page; chromium only recommends one). A quiet no-op
 * when all are present.
 */
import { existsSync } from "node:fs";
import { findOnPath } from "./image/debian-tools.js";
import { runCommand } from "./image/command.js";

/** Each Debian package, and the file whose presence says it is installed. */
const PACKAGES: readonly { name: string; present: () => boolean }[] = [
  { name: "chromium", present: () => existsSync("/usr/bin/chromium") },
  { name: "poppler-utils", present: () => findOnPath("pdftotext") !== undefined },
  { name: "fonts-liberation", present: () => existsSync("/usr/share/fonts/truetype/liberation") },
];

const missing = PACKAGES.filter((p) => !p.present()).map((p) => p.name);
if (missing.length > 0) {
  if (process.getuid?.() !== 0) {
    console.error(
      `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not installed and installing needs root: run ` +
        `\`sudo make report-tools\`, or \`sudo apt-get install -y --no-install-recommends ${missing.join(" ")}\`.`,
    );
    process.exit(1);
  }
  if (findOnPath("apt-get") === undefined) {
    console.error(`This machine has no apt-get; install ${missing.join(", ")} from your distribution.`);
    process.exit(1);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = ["install", "-y", "-qq", "--no-install-recommends", ...missing];
  console.error(`Installing ${missing.join(", ")} from Debian.`);
  try {
    await runCommand("apt-get", install, { env, echoStderr: true });
  } catch {
    console.error("apt-get install failed; updating the package lists and trying again.");
    await runCommand("apt-get", ["update", "-qq"], { env, echoStderr: true });
    await runCommand("apt-get", install, { env, echoStderr: true });
  }
  const still = PACKAGES.filter((p) => !p.present()).map((p) => p.name);
  if (still.length > 0) {
    console.error(`apt-get ran, but ${still.join(", ")} is still missing.`);
    process.exit(1);
  }
}
