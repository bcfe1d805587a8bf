/**
 * Raised when PostgreSQL cannot be installed, initialised or started for the tests. The message says what failed
 * and what to do, and carries the tail of the server log when a process was involved.
 */
export class PostgresToolsError extends Error {
  override readonly name: string = "PostgresToolsError";
}
