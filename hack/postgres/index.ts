/**
 * Real PostgreSQL for the audit-store tests and benchmark: Debian's server binaries (installed by
 * `make postgres-tools`), run as child processes on free loopback ports with their data in a temporary directory.
 */
export {
  POSTGRES_PACKAGE,
  ensurePostgresBinaries,
  findPostgresBinaries,
  type PostgresBinaries,
} from "./binaries.js";
export { PostgresToolsError } from "./errors.js";
export { POSTGRES_SUPERUSER, startPostgres, type PostgresOptions, type StartedPostgres } from "./server.js";
export { SHARED_POSTGRES_ENV, describePostgres, type PostgresServer } from "./shared.js";
