import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { runCommand } from "./command.js";
import { ImageError } from "./errors.js";

/**
 * The container tools the image build and its proof use, each from the Debian package of the same name: buildah
 * writes the image, umoci unpacks it into a runtime bundle, runc runs that bundle.
 */
export type ImageTool = "buildah" | "umoci" | "runc";

/** The executable `name` on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Makes sure the tools are installed, installing the missing ones from Debian with
 * `apt-get install --no-install-recommends` when this process is root (none starts a service). Without root it
 * throws an {@link ImageError} that names the command to run.
 */
export async function ensureImageTools(
  tools: readonly ImageTool[],
  log: (line: string) => void,
): Promise<void> {
  const missing = tools.filter((tool) => findOnPath(tool) === undefined);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new ImageError(
      `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not installed and installing needs root: ` +
        `run \`sudo make image-tools\`, or \`sudo apt-get install --no-install-recommends ${missing.join(" ")}\`.`,
    );
  }
  if (findOnPath("apt-get") === undefined) {
    throw new ImageError(
      `This machine has no apt-get; install ${missing.join(", ")} from your distribution.`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = ["install", "-y", "-qq", "--no-install-recommends", ...missing];
  log(`Installing ${missing.join(", ")} from Debian.`);
  try {
    await runCommand("apt-get", install, { env });
  } catch {
    log("apt-get install failed; updating the package lists and trying again.");
    await runCommand("apt-get", ["update", "-qq"], { env });
    await runCommand("apt-get", install, { env });
  }
  const still = tools.filter((tool) => findOnPath(tool) === undefined);
  if (still.length > 0)
    throw new ImageError(`apt-get installed the packages but ${still.join(", ")} is not on PATH.`);
}
