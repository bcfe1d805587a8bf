/**
 * Raised when the local control plane cannot be built, started, probed or stopped. The message always says
 * what failed and, where a process was involved, carries the tail of its log so a failure explains itself.
 */
export class LocalClusterError extends Error {
  override readonly name: string = "LocalClusterError";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
