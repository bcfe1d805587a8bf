import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from "node:crypto";
import type { ReleaseSpec } from "../../api/v1alpha1/release.js";
import { createCreatorSeal, type CreatorSeal } from "../task-creator.js";

/** A release's rollback policy mode. */
export type RollbackMode = ReleaseSpec["rollbackPolicy"]["mode"];

/**
 * The proof that the operator opened a Rollback task: an HMAC-SHA256, under a key only the operator holds, over
 * what the task may be acted on for (its namespace and name, the Release's name and UID, the environment, why it
 * was opened and the rollback policy at that moment). Object names, labels, owner references and field managers
 * are all writable by whoever can create a DeploymentTask, so none of them is evidence (ADR 0012).
 */

/** The annotation holding the seal (lowercase hex HMAC-SHA256). */
export const ROLLBACK_SEAL_ANNOTATION = "stagegate.io/rollback-seal";
/** The annotation naming why the operator opened the task: {@link RollbackOrigin}. */
export const ROLLBACK_ORIGIN_ANNOTATION = "stagegate.io/rollback-origin";
/** The annotation holding the release's rollback policy when the task was opened (sealed with it). */
export const ROLLBACK_POLICY_ANNOTATION = "stagegate.io/rollback-policy";

/** Why the operator opened a Rollback task: an Alertmanager alert, or a failed post-deployment verification. */
export type RollbackOrigin = "Alert" | "Verification";

/** The smallest key accepted, in bytes. */
export const MIN_SEAL_KEY_BYTES = 32;

/** What a seal binds: exactly the facts the rollback controller acts on. */
export interface SealedFacts {
  namespace: string;
  name: string;
  release: { name: string; uid: string | undefined };
  environment: string;
  origin: RollbackOrigin;
  policy: RollbackMode;
}

/** Signs and checks the seal of operator-opened Rollback tasks. */
export interface RollbackSeal {
  /** The three annotations (origin, policy, seal) that prove the operator opened a task for `facts`. */
  annotations(facts: SealedFacts): Record<string, string>;
  /** Whether `mac` is the seal of `facts` under this key (constant-time). */
  verify(facts: SealedFacts, mac: string): boolean;
  /**
   * The name the operator opens a task under when someone else's task already holds `name`: `name` plus 8 hex
   * digits of an HMAC under the key, deterministic for the operator (crash-safe) and unpredictable to users.
   */
  alternateName(name: string): string;
  /**
   * The creator stamps the admission webhook seals DeploymentTasks with, under the same key (a domain of their own):
   * how the operator knows that the rollback owner created a task (see `provenCreator`).
   */
  creators: CreatorSeal;
}

const DOMAIN = "stagegate.io/rollback-seal/v1";

/** Creates the seal from the operator's key (at least {@link MIN_SEAL_KEY_BYTES} bytes). */
export function createRollbackSeal(key: Uint8Array): RollbackSeal {
  if (key.length < MIN_SEAL_KEY_BYTES) {
    throw new Error(
      `The rollback seal key has ${key.length} bytes; it needs at least ${MIN_SEAL_KEY_BYTES}: ` +
        "write 32 random bytes to the --rollback-seal-key-file (for example `head -c 32 /dev/urandom`).",
    );
  }
  const secret = Buffer.from(key);
  // Prepared once: an HMAC keyed with raw bytes prepares the key again on every call, several times the MAC's cost.
  const hmacKey = createSecretKey(secret);
  const mac = (facts: SealedFacts): Buffer =>
    createHmac("sha256", hmacKey)
      .update(
        JSON.stringify([
          DOMAIN,
          facts.namespace,
          facts.name,
          facts.release.name,
          facts.release.uid ?? "",
          facts.environment,
          facts.origin,
          facts.policy,
        ]),
      )
      .digest();
  return {
    annotations: (facts) => ({
      [ROLLBACK_ORIGIN_ANNOTATION]: facts.origin,
      [ROLLBACK_POLICY_ANNOTATION]: facts.policy,
      [ROLLBACK_SEAL_ANNOTATION]: mac(facts).toString("hex"),
    }),
    creators: createCreatorSeal(secret),
    alternateName: (name) =>
      `${name.slice(0, 240)}-${createHmac("sha256", hmacKey).update(`${DOMAIN}/name\u0000${name}`).digest("hex").slice(0, 8)}`,
    verify: (facts, given) => {
      if (facts.release.uid === undefined || !/^[0-9a-f]{64}$/.test(given)) return false;
      return timingSafeEqual(mac(facts), Buffer.from(given, "hex"));
    },
  };
}

/** A seal under a random key: for a process that was given no key file (its seals do not survive a restart). */
export function ephemeralRollbackSeal(): RollbackSeal {
  return createRollbackSeal(randomBytes(MIN_SEAL_KEY_BYTES));
}
