/**
 * Raised when Prometheus or Alertmanager cannot be installed, configured, started or probed. The message says
 * what failed and what to do, and carries the tail of the process log when a process was involved.
 */
export class MonitoringError extends Error {
  override readonly name: string = "MonitoringError";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
