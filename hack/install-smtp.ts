/**
 * `make smtp-tools`: makes sure the Exim SMTP server the notification tests deliver to is on this machine,
 * installing Debian's exim4-daemon-light when it is missing (needs root then). A quiet no-op when present. The
 * tests start their own private instance on a loopback port; no system MTA needs to run.
 */
import { ensureExim } from "./smtp/binaries.js";

const found = await ensureExim();
if (found.installed) console.error(`Installed Exim: ${found.exim}`);
