import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rollbackEvidence } from "../../../src/controllers/rollback/evidence.js";
import { createRollbackSeal } from "../../../src/controllers/rollback/seal.js";
import {
  CREATED_AT_ANNOTATION,
  CREATED_BY_ANNOTATION,
  CREATOR_SEAL_ANNOTATION,
  type CreatorFacts,
} from "../../../src/controllers/task-creator.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

const seal = createRollbackSeal(Buffer.alloc(32, 7));
const other = createRollbackSeal(Buffer.alloc(32, 8));
const RELEASE = { name: "shop", uid: "uid-1", rollbackOwner: "dave" };
const INTACT = { intact: true, message: "The admission controls are registered as shipped." };
const BROKEN = {
  intact: false,
  message:
    "The admission controls are not intact, so no gate opens: ValidatingWebhookConfiguration x is missing.",
};
const CREATED = "2030-01-01T12:00:00Z";
/** What the webhook saw when dave created his task: its name, what it is, and who and when. */
const FACTS: CreatorFacts = {
  namespace: "team-a",
  name: "shop-prod-rollback-by-dave",
  generateName: "",
  creator: "dave",
  createdAt: CREATED,
  type: "Rollback",
  release: "shop",
  environment: "prod",
};

/** A Rollback task as stored, created at `CREATED` unless said otherwise, with `annotations`. */
function task(
  annotations: Record<string, string>,
  over: { metadata?: Record<string, unknown>; spec?: Record<string, unknown> } = {},
): KubeObject {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "DeploymentTask",
    metadata: {
      name: FACTS.name,
      namespace: FACTS.namespace,
      creationTimestamp: CREATED,
      annotations,
      ...over.metadata,
    },
    spec: { type: "Rollback", releaseRef: { name: "shop" }, environment: "prod", ...over.spec },
  };
}

const stamped = (facts: Partial<CreatorFacts> = {}, by = seal) =>
  by.creators.annotations({ ...FACTS, ...facts });

const rows: {
  situation: string;
  obj: KubeObject;
  admission?: typeof INTACT;
  outcome: "RollbackOwner" | "Refused" | "Awaiting";
  reason?: RegExp;
}[] = [
  {
    situation: "the rollback owner's task, stamped at admission",
    obj: task(stamped()),
    outcome: "RollbackOwner",
  },
  {
    situation: "the rollback owner's task created with generateName (stamped before the name existed)",
    obj: task(stamped({ name: "", generateName: "shop-rb-" }), {
      metadata: { name: "shop-rb-x7k2p", generateName: "shop-rb-" },
    }),
    outcome: "RollbackOwner",
  },
  {
    situation: "a developer's task: the stamp names him, not the rollback owner",
    obj: task(stamped({ creator: "bob" })),
    outcome: "Refused",
    reason: /created by bob, not by the rollback owner dave/,
  },
  {
    situation: "a stamp naming the owner typed by hand (no seal), as while admission was off",
    obj: task({ [CREATED_BY_ANNOTATION]: "dave", [CREATED_AT_ANNOTATION]: CREATED }),
    outcome: "Refused",
    reason: /not made by the admission webhook/,
  },
  {
    situation: "a stamp naming the owner with a seal under another key",
    obj: task(stamped({}, other)),
    outcome: "Refused",
    reason: /not made by the admission webhook/,
  },
  {
    situation: "the owner's stamp edited to name the owner on bob's task",
    obj: task({ ...stamped({ creator: "bob" }), [CREATED_BY_ANNOTATION]: "dave" }),
    outcome: "Refused",
  },
  {
    situation: "the owner's stamp copied onto a task of another name",
    obj: task(stamped(), { metadata: { name: "shop-prod-rollback-by-bob" } }),
    outcome: "Refused",
  },
  {
    situation: "the owner's stamp on his Checklist task whose type was later edited to Rollback",
    obj: task(stamped({ type: "Checklist" })),
    outcome: "Refused",
  },
  {
    situation: "the owner's stamp for another environment",
    obj: task(stamped({ environment: "staging" })),
    outcome: "Refused",
  },
  {
    situation: "the owner's old task deleted and re-created with its stamp an hour later (admission off)",
    obj: task(stamped(), { metadata: { creationTimestamp: "2030-01-01T13:00:00Z" } }),
    outcome: "Refused",
  },
  {
    situation: "a stamp with no seal annotation",
    obj: task({ ...stamped(), [CREATOR_SEAL_ANNOTATION]: "" }),
    outcome: "Refused",
  },
  {
    situation: "the rollback owner's own task while the admission controls are not intact",
    obj: task(stamped()),
    admission: BROKEN,
    outcome: "Awaiting",
    reason: /ValidatingWebhookConfiguration x is missing/,
  },
  {
    situation: "a developer's task while the admission controls are not intact",
    obj: task(stamped({ creator: "bob" })),
    admission: BROKEN,
    outcome: "Refused",
  },
];

describe("rollbackEvidence: the rollback owner's own task, proven by the creator stamp", () => {
  for (const row of rows) {
    it(`${row.outcome}: ${row.situation}`, () => {
      const evidence = rollbackEvidence(seal, row.obj, "prod", RELEASE, row.admission ?? INTACT);
      const outcome = evidence.opened
        ? evidence.by === "RollbackOwner"
          ? "RollbackOwner"
          : evidence.by
        : evidence.awaiting === undefined
          ? "Refused"
          : "Awaiting";
      assert.equal(outcome, row.outcome, JSON.stringify(evidence));
      if (!evidence.opened && row.reason !== undefined) assert.match(evidence.reason, row.reason);
    });
  }

  it("believes no stamp when the operator has no key", () => {
    assert.equal(rollbackEvidence(undefined, task(stamped()), "prod", RELEASE, INTACT).opened, false);
  });
});
