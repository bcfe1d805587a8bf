import { jsonEqual } from "../runtime/deep-equal.js";
import { parseTimestamp } from "../runtime/duration.js";
import {
  boundSpec,
  CREATED_AT_ANNOTATION,
  CREATED_AT_TOLERANCE_MS,
  CREATED_BY_ANNOTATION,
  CREATOR_ANNOTATIONS,
  CREATOR_SEAL_ANNOTATION,
  stampSeals,
  type CreatorSeal,
} from "../controllers/task-creator.js";
import type { AdmissionRequest, JsonPatchOperation } from "./admission-review.js";
import { decisionTime, jsonPointer } from "./stamping.js";
import type { TaskView } from "./task-view.js";
import { ALLOWED, deny, type Verdict } from "./verdict.js";

/**
 * The creator stamp of DeploymentTasks at admission (ADR 0012): `stagegate.io/created-by`, `created-at` and, with
 * the operator's key, `created-by-seal`. The mutating webhook writes it on CREATE from the request's identity,
 * whatever the request typed, and puts it back on UPDATE when a request leaves it out; the validating webhook
 * refuses a person's request that sets or changes it.
 */

type Annotations = Record<string, string>;

const stampOf = (annotations: Annotations | undefined): Annotations =>
  Object.fromEntries(
    CREATOR_ANNOTATIONS.flatMap((key) => {
      const value = annotations?.[key];
      return value === undefined ? [] : [[key, value]];
    }),
  );

const withoutStamp = (annotations: Annotations | undefined): Annotations =>
  Object.fromEntries(
    Object.entries(annotations ?? {}).filter(
      ([key]) => !(CREATOR_ANNOTATIONS as readonly string[]).includes(key),
    ),
  );

/** The stamp a CREATE earns: the authenticated user, the webhook's time, sealed for the task as it is sent. */
export function creatorStampFor(
  request: AdmissionRequest,
  task: TaskView,
  seal: CreatorSeal | undefined,
  now: Date,
): Annotations {
  const facts = {
    namespace: request.namespace ?? task.metadata.namespace ?? "",
    name: task.metadata.name ?? "",
    generateName: task.metadata.generateName ?? "",
    creator: request.userInfo.username,
    createdAt: decisionTime(now),
    ...boundSpec(task.spec),
  };
  if (seal !== undefined) return seal.annotations(facts);
  return { [CREATED_BY_ANNOTATION]: facts.creator, [CREATED_AT_ANNOTATION]: facts.createdAt };
}

/**
 * The patch that leaves the stamp as admission decides it: on CREATE the stamp the request earns (replacing
 * anything typed); on UPDATE the stored stamp wherever the request left a part out, and, for the operator, wherever
 * it differs (a person's differing value is left for the validating webhook to refuse). Empty when nothing changes.
 */
export function creatorStampPatch(
  request: AdmissionRequest,
  before: TaskView | undefined,
  after: TaskView,
  options: { seal: CreatorSeal | undefined; now: Date; operator: boolean },
): JsonPatchOperation[] {
  const current = after.metadata.annotations;
  let stamp: Annotations;
  if (before === undefined) {
    stamp = creatorStampFor(request, after, options.seal, options.now);
  } else {
    const stored = stampOf(before.metadata.annotations);
    const sent = stampOf(current);
    stamp = options.operator ? stored : { ...stored, ...sent };
  }
  const wanted = { ...withoutStamp(current), ...stamp };
  if (jsonEqual(wanted, current ?? {})) return [];
  return [{ op: "add", path: jsonPointer("metadata", "annotations"), value: wanted }];
}

const FORGED =
  "is stamped by the server with who created the task (and sealed with the operator's key); it cannot be set or " +
  "changed by hand. Leave the stagegate.io/created-by, created-at and created-by-seal annotations out of your " +
  "manifest.";

/**
 * A person's write leaves the creator stamp as admission made it: on CREATE it names the requester at the
 * webhook's time and (with the key) its seal verifies; on UPDATE it is exactly the stored one. Backs the mutating
 * webhook, in case it did not run or another webhook changed the stamp after it.
 */
export function creatorStampKept(
  request: AdmissionRequest,
  before: TaskView | undefined,
  after: TaskView,
  options: { seal: CreatorSeal | undefined; now: Date },
): Verdict {
  const sent = stampOf(after.metadata.annotations);
  if (before !== undefined) {
    if (jsonEqual(sent, stampOf(before.metadata.annotations))) return ALLOWED;
    return deny("CreatorForged", `metadata.annotations[${CREATED_BY_ANNOTATION}] ${FORGED}`);
  }
  if (Object.keys(sent).length === 0) return ALLOWED;
  const creator = sent[CREATED_BY_ANNOTATION];
  const createdAt = sent[CREATED_AT_ANNOTATION];
  const time = createdAt === undefined ? undefined : parseTimestamp(createdAt)?.getTime();
  const timely = time !== undefined && Math.abs(time - options.now.getTime()) <= CREATED_AT_TOLERANCE_MS;
  const sealed =
    options.seal === undefined ||
    (creator !== undefined &&
      createdAt !== undefined &&
      stampSeals(
        options.seal,
        {
          namespace: request.namespace ?? after.metadata.namespace ?? "",
          name: after.metadata.name ?? "",
          generateName: after.metadata.generateName ?? "",
          spec: after.spec,
        },
        { creator, createdAt, seal: sent[CREATOR_SEAL_ANNOTATION] ?? "" },
      ));
  if (creator === request.userInfo.username && timely && sealed) return ALLOWED;
  return deny(
    "CreatorForged",
    `metadata.annotations[${CREATED_BY_ANNOTATION}] is ${creator ?? "missing"}, not ${request.userInfo.username} ` +
      `as stamped at the server's time, or its seal does not verify: it ${FORGED}`,
  );
}
