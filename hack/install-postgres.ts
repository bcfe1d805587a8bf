/**
 * `make postgres-tools`: makes sure the PostgreSQL server binaries the audit-store tests start are on this machine,
 * installing Debian's postgresql-15 when they are missing (needs root then). A quiet no-op when present.
 */
import { ensurePostgresBinaries } from "./postgres/binaries.js";

const binaries = await ensurePostgresBinaries();
if (binaries.installed) console.error(`Installed PostgreSQL in ${binaries.binDir}`);
