/**
 * Real Prometheus and Alertmanager for the tests: installed from Debian packages, run as child processes on
 * free loopback ports with their own config and data dirs, dying with the Node process that started them.
 */
export {
  MONITORING_PACKAGES,
  binaryVersion,
  ensureMonitoringBinaries,
  findMonitoringBinaries,
  type EnsuredMonitoringBinaries,
  type MonitoringBinaries,
} from "./binaries.js";
export { installDebianPackages, withServicesBlocked, POLICY_RC_D } from "./debian-install.js";
export { MonitoringError } from "./errors.js";
export {
  startPrometheus,
  prometheusConfig,
  type PrometheusOptions,
  type StartedPrometheus,
} from "./prometheus.js";
export {
  startAlertmanager,
  alertmanagerConfig,
  WEBHOOK_RECEIVER,
  type AlertmanagerOptions,
  type StartedAlertmanager,
} from "./alertmanager.js";
export {
  postAlerts,
  prometheusAlerts,
  queryPrometheus,
  type PostableAlert,
  type PrometheusAlert,
  type VectorSample,
} from "./api.js";
export type { StopServerOptions } from "./readiness.js";
