import { Counter, type Registry } from "prom-client";

/**
 * Counts audit entries this replica could not write (`stagegate_audit_write_failures_total`). While writes fail,
 * webhooks deny with `AuditUnavailable` and controllers retry, so the count is what an alert should watch.
 */
export function auditWriteFailures(registry: Registry): () => void {
  const failures = new Counter({
    name: "stagegate_audit_write_failures_total",
    help: "Audit entries this replica failed to append to its trail (the request or reconcile was refused or retried)",
    registers: [registry],
  });
  return () => failures.inc();
}
