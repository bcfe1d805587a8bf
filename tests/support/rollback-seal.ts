// The rollback seal the tests' in-process controllers use, so a test can open a Rollback task exactly as the
// operator does (sealed) or by hand (unsealed) against the same controllers.
import { createRollbackSeal } from "../../src/controllers/rollback/seal.js";

/** The key of {@link testRollbackSeal}: fixed, 32 bytes, for tests only. */
export const TEST_ROLLBACK_SEAL_KEY = Buffer.from("stagegate-tests-rollback-seal-key-0123456789", "utf8");

/** The seal of the controllers tests start with `runControllers`. */
export const testRollbackSeal = createRollbackSeal(TEST_ROLLBACK_SEAL_KEY);
