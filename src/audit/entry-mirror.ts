import type { AuditEntry } from "./entry.js";
import { describeError } from "./seal.js";

/** How a store copies its entries elsewhere (a Kubernetes Event) once they are durable. */
export interface AuditMirrorOptions {
  /** Copies each entry elsewhere once it is durable; its failure never fails `record`. */
  mirror?: (entry: AuditEntry) => Promise<void>;
  /** Told about each failed mirror; must not throw. Defaults to a line on stderr. */
  onMirrorError?: (err: unknown, entry: AuditEntry) => void;
}

/**
 * The mirrors a store has started and not yet seen settle. A mirror is best effort: it runs after the entry is
 * durable, its failure is reported and never propagated (the store is the record), and `settled` lets a closing
 * store wait for the ones still running.
 */
export class AuditMirrors {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: AuditMirrorOptions) {}

  /** Starts mirroring one durable entry; does not wait for it. */
  start(entry: AuditEntry): void {
    const mirror = this.options.mirror;
    if (mirror === undefined) return;
    const settled: Promise<void> = this.run(mirror, entry).finally(() => this.running.delete(settled));
    this.running.add(settled);
  }

  /** Resolves once every mirror started so far has settled; never rejects. */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private async run(mirror: (entry: AuditEntry) => Promise<void>, entry: AuditEntry): Promise<void> {
    try {
      await mirror(entry);
    } catch (err) {
      try {
        (this.options.onMirrorError ?? reportMirrorError)(err, entry);
      } catch (reportErr) {
        reportMirrorError(reportErr, entry);
      }
    }
  }
}

function reportMirrorError(err: unknown, entry: AuditEntry): void {
  console.error(`Failed to mirror audit entry ${entry.seq} (${entry.action}): ${describeError(err)}`);
}
