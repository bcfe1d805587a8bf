/**
 * `tsx hack/install-monitoring.ts`: makes sure the Prometheus and Alertmanager binaries the tests run are on
 * this machine, installing the Debian packages when they are missing. A quiet no-op when both are present.
 */
import { binaryVersion, ensureMonitoringBinaries } from "./monitoring/index.js";

const binaries = await ensureMonitoringBinaries();
if (binaries.installed) {
  for (const binary of [binaries.prometheus, binaries.alertmanager]) {
    console.error(`Installed ${binary}: ${await binaryVersion(binary)}`);
  }
}
