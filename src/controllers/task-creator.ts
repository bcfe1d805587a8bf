import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto";
import { parseTimestamp } from "../runtime/duration.js";
import type { KubeObject } from "../runtime/kube/object.js";

/**
 * Who created a DeploymentTask, as the admission webhook stamps it from the authenticated request on CREATE
 * (ADR 0012): three annotations no user can set or change while the webhooks run, sealed with the operator's key so
 * that a stamp typed while they did not run (a namespace outside their selector, configurations removed for a
 * while) proves nothing afterwards either.
 */

/** The authenticated user name that created the task. */
export const CREATED_BY_ANNOTATION = "stagegate.io/created-by";
/** When the webhook stamped it: RFC 3339, whole seconds, the webhook's clock. */
export const CREATED_AT_ANNOTATION = "stagegate.io/created-at";
/** HMAC-SHA256 (lowercase hex) under the operator's key over {@link CreatorFacts}. */
export const CREATOR_SEAL_ANNOTATION = "stagegate.io/created-by-seal";

/** The three annotations of the stamp, in the order they are written. */
export const CREATOR_ANNOTATIONS = [
  CREATED_BY_ANNOTATION,
  CREATED_AT_ANNOTATION,
  CREATOR_SEAL_ANNOTATION,
] as const;

/**
 * How far the stamped time may lie from the task's `creationTimestamp` (the API server's clock): a stamp copied
 * onto a task created later does not verify, within clock skew.
 */
export const CREATED_AT_TOLERANCE_MS = 60_000;

/**
 * What a creator stamp binds: the task as the webhook saw it on CREATE. The webhook runs before the API server
 * generates a name, so a task created with `generateName` is bound by that prefix and an empty name.
 */
export interface CreatorFacts {
  namespace: string;
  name: string;
  generateName: string;
  creator: string;
  createdAt: string;
  type: string;
  release: string;
  environment: string;
}

/** Signs and checks creator stamps with the operator's key. */
export interface CreatorSeal {
  /** The three annotations that stamp `facts`. */
  annotations(facts: CreatorFacts): Record<string, string>;
  /** Whether `mac` is the seal of `facts` under this key (constant-time). */
  verify(facts: CreatorFacts, mac: string): boolean;
}

const DOMAIN = "stagegate.io/created-by/v1";

/** The creator seal under `secret` (the operator's seal key; a domain of its own keeps it apart from other seals). */
export function createCreatorSeal(secret: Buffer): CreatorSeal {
  // Prepared once (see createRollbackSeal): the same MAC, without preparing the key on every call.
  const hmacKey = createSecretKey(secret);
  const mac = (f: CreatorFacts): Buffer =>
    createHmac("sha256", hmacKey)
      .update(
        JSON.stringify([
          DOMAIN,
          f.namespace,
          f.name,
          f.generateName,
          f.creator,
          f.createdAt,
          f.type,
          f.release,
          f.environment,
        ]),
      )
      .digest();
  return {
    annotations: (facts) => ({
      [CREATED_BY_ANNOTATION]: facts.creator,
      [CREATED_AT_ANNOTATION]: facts.createdAt,
      [CREATOR_SEAL_ANNOTATION]: mac(facts).toString("hex"),
    }),
    verify: (facts, given) =>
      /^[0-9a-f]{64}$/.test(given) && timingSafeEqual(mac(facts), Buffer.from(given, "hex")),
  };
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** The spec fields a stamp binds, read loosely (a webhook sees objects before schema validation). */
export function boundSpec(spec: unknown): Pick<CreatorFacts, "type" | "release" | "environment"> {
  const s = (spec ?? {}) as { type?: unknown; releaseRef?: { name?: unknown }; environment?: unknown };
  return { type: text(s.type), release: text(s.releaseRef?.name), environment: text(s.environment) };
}

/** The stamp as found on a task: who and when, and the seal; undefined when it carries none. */
export function readCreatorStamp(
  task: KubeObject,
): { creator: string; createdAt: string; seal: string } | undefined {
  const annotations = task.metadata.annotations ?? {};
  const creator = annotations[CREATED_BY_ANNOTATION];
  const createdAt = annotations[CREATED_AT_ANNOTATION];
  if (creator === undefined || createdAt === undefined) return undefined;
  return { creator, createdAt, seal: annotations[CREATOR_SEAL_ANNOTATION] ?? "" };
}

/** A task as far as its stamp is checked: where it lives, its names, and its spec. */
export interface StampedTask {
  namespace: string;
  name: string;
  generateName: string;
  spec: unknown;
}

/**
 * Whether `mac` seals `creator` at `createdAt` for `task`: bound by its name, or (the webhook ran before the name
 * was generated) by its `generateName` prefix and an empty name. Pure.
 */
export function stampSeals(
  seal: CreatorSeal,
  task: StampedTask,
  stamp: { creator: string; createdAt: string; seal: string },
): boolean {
  const base = {
    namespace: task.namespace,
    generateName: task.generateName,
    creator: stamp.creator,
    createdAt: stamp.createdAt,
    ...boundSpec(task.spec),
  };
  if (seal.verify({ ...base, name: task.name }, stamp.seal)) return true;
  return (
    task.generateName !== "" &&
    task.name.startsWith(task.generateName) &&
    seal.verify({ ...base, name: "" }, stamp.seal)
  );
}

/** Why a task's stamp proves nothing, or the creator it proves. */
export type CreatorProof =
  { proven: true; creator: string } | { proven: false; creator?: string; why: string };

/**
 * The creator a task's stamp proves: the seal verifies under `seal` for the task's namespace, name (or its
 * `generateName`), type, release and environment, and the stamped time is the task's creation (within
 * {@link CREATED_AT_TOLERANCE_MS}). A stamp copied from another task, edited, typed by hand while the webhooks did
 * not run, or copied onto a task re-created later proves nothing. Pure.
 */
export function provenCreator(seal: CreatorSeal | undefined, task: KubeObject): CreatorProof {
  const stamp = readCreatorStamp(task);
  if (stamp === undefined)
    return { proven: false, why: "it carries no creator stamp of the admission webhook" };
  const { creator } = stamp;
  if (seal === undefined) {
    return { proven: false, creator, why: "the operator has no key to check its creator stamp" };
  }
  const stamped = parseTimestamp(stamp.createdAt)?.getTime();
  const created = parseTimestamp(task.metadata.creationTimestamp ?? "")?.getTime();
  const timely =
    stamped !== undefined && created !== undefined && Math.abs(stamped - created) <= CREATED_AT_TOLERANCE_MS;
  const sealed = stampSeals(
    seal,
    {
      namespace: task.metadata.namespace ?? "",
      name: task.metadata.name,
      generateName: text(task.metadata.generateName),
      spec: task.spec,
    },
    stamp,
  );
  if (timely && sealed) return { proven: true, creator };
  return {
    proven: false,
    creator,
    why:
      `its creator stamp (${CREATED_BY_ANNOTATION}: ${creator}) was not made by the admission webhook for this ` +
      "task as it was created (a stamp typed by hand, copied from another task or edited proves nothing)",
  };
}
