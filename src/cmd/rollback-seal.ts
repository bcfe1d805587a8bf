import { readFile } from "node:fs/promises";
import {
  createRollbackSeal,
  ephemeralRollbackSeal,
  type RollbackSeal,
} from "../controllers/rollback/seal.js";
import type { Logger } from "../runtime/logging.js";
import { ConfigError } from "./config.js";

/**
 * The operator's rollback seal from `--rollback-seal-key-file` (its bytes, at least 32), or, without the flag, a
 * random key for this process with a warning: its seals do not survive a restart nor verify on another replica,
 * so a Rollback task opened before a restart is then refused (fail closed) until the rollback owner acts.
 */
export async function openRollbackSeal(file: string | undefined, log: Logger): Promise<RollbackSeal> {
  if (file === undefined) {
    log.warn(
      {},
      "Sealing Rollback tasks with a random key for this process: set --rollback-seal-key-file (the same " +
        "file on every replica) so tasks opened before a restart can still be acted on",
    );
    return ephemeralRollbackSeal();
  }
  let key: Buffer;
  try {
    key = await readFile(file);
  } catch (err) {
    throw new ConfigError(
      `--rollback-seal-key-file ${file} cannot be read (${(err as Error).message}): mount the Secret holding ` +
        "the rollback seal key there",
    );
  }
  try {
    return createRollbackSeal(key);
  } catch (err) {
    throw new ConfigError(`--rollback-seal-key-file ${file}: ${(err as Error).message}`);
  }
}
