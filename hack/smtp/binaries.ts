import { accessSync, constants } from "node:fs";
import { installDebianPackages } from "../monitoring/debian-install.js";

/** The Debian package of the SMTP server the notification tests deliver to (Exim 4, the light daemon). */
export const SMTP_PACKAGE = "exim4-daemon-light";

/** Where Debian installs the Exim binary. */
const DEBIAN_EXIM = "/usr/sbin/exim4";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Exim binary (`$STAGEGATE_EXIM` when set), without running anything; undefined when none is installed. */
export function findExim(override: string | undefined = process.env.STAGEGATE_EXIM): string | undefined {
  const path = override !== undefined && override !== "" ? override : DEBIAN_EXIM;
  return executable(path) ? path : undefined;
}

/**
 * Returns the Exim binary, installing Debian's `exim4-daemon-light` first when it is missing (as root, with
 * services blocked so the package starts no system MTA). Already installed, it is a no-op that starts nothing.
 */
export async function ensureExim(
  log: (line: string) => void = (line) => console.error(line),
): Promise<{ exim: string; installed: boolean }> {
  const before = findExim();
  if (before !== undefined) return { exim: before, installed: false };
  await installDebianPackages([SMTP_PACKAGE], log);
  const after = findExim();
  if (after === undefined) {
    throw new Error(`apt-get installed ${SMTP_PACKAGE}, but ${DEBIAN_EXIM} is not executable.`);
  }
  return { exim: after, installed: true };
}
