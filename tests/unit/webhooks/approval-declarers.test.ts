import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UserInfo } from "../../../src/webhooks/admission-review.js";
import { declaredSinceOpened } from "../../../src/webhooks/approval-declarers.js";
import { validateApproval } from "../../../src/webhooks/approval-webhooks.js";
import type { WebhookContext } from "../../../src/webhooks/webhook-context.js";
import {
  admissionRequest,
  approvalObject,
  stampedDecision,
  testContext,
  users,
} from "./admission-fixtures.js";

/** The requester the operator's change is stamped with: always excluded under separation of duties. */
const OPERATOR_EXCLUDED = [{ user: "stagegate-operator", reason: "requested the change" }];

interface Row {
  situation: string;
  user: UserInfo;
  /** What the lookup answers for the change; a thrown Error when it is an Error. */
  declarers: string[] | undefined | Error;
  excluded?: { user: string; reason: string }[];
  /** Whether the context carries the lookup at all. */
  lookup?: boolean;
  expected: "allowed" | "SeparationOfDuties" | "InternalError";
  says?: string[];
}

const rows: Row[] = [
  {
    situation: "erin, who changed the release after the Approval opened, is its declarer now: refused",
    user: users.erin,
    declarers: ["erin", "dave"],
    expected: "SeparationOfDuties",
    says: ["erin cannot decide", "declared the release, after its Approval opened", "ask another approver"],
  },
  {
    situation:
      "erin declared the revision after the opening and dave declared it since: refused as an earlier declarer",
    user: users.erin,
    declarers: ["dave", "erin"],
    expected: "SeparationOfDuties",
    says: ["declared the release earlier"],
  },
  {
    situation: "the declarer's name is compared without case, as spec.excluded is",
    user: { username: "Erin", groups: [...users.erin.groups] },
    declarers: ["erin"],
    expected: "SeparationOfDuties",
  },
  {
    situation: "erin had no part in the release: allowed",
    user: users.erin,
    declarers: ["dave"],
    expected: "allowed",
  },
  {
    situation: "the change's release is gone or is another one (the lookup finds no declarers): allowed",
    user: users.erin,
    declarers: undefined,
    expected: "allowed",
  },
  {
    situation: "separation of duties did not apply to the round (nobody excluded): the declarer may decide",
    user: users.erin,
    declarers: ["erin"],
    excluded: [],
    expected: "allowed",
  },
  {
    situation: "a server that cannot read declarers keeps to spec.excluded",
    user: users.erin,
    declarers: ["erin"],
    lookup: false,
    expected: "allowed",
  },
  {
    situation: "a failed read of the declarers is a denial, never an admission",
    user: users.erin,
    declarers: new Error("the API server is unavailable"),
    expected: "InternalError",
  },
];

/** The handler's answer to `row.user` adding their own Approve, as the server wraps it (a throw is InternalError). */
async function answer(
  row: Row,
): Promise<{ allowed: boolean; rule: string; message: string; asked: string[] }> {
  const { ctx } = testContext();
  const asked: string[] = [];
  const lookup: WebhookContext["lookupChangeDeclarers"] = (namespace, change) => {
    asked.push(`${namespace}/${change}`);
    return row.declarers instanceof Error ? Promise.reject(row.declarers) : Promise.resolve(row.declarers);
  };
  const context: WebhookContext = row.lookup === false ? ctx : { ...ctx, lookupChangeDeclarers: lookup };
  const eligible = { users: ["erin"], groups: ["approvers"] };
  const excluded = row.excluded ?? OPERATOR_EXCLUDED;
  const request = admissionRequest({
    kind: "Approval",
    operation: "UPDATE",
    user: row.user,
    oldObject: approvalObject({ eligible, excluded }),
    object: approvalObject({
      eligible: { users: [row.user.username], groups: ["approvers"] },
      excluded,
      decisions: { [row.user.username]: stampedDecision(row.user) },
    }),
  });
  try {
    const response = await validateApproval(request, context);
    return {
      allowed: response.allowed,
      rule: (response.status?.message ?? "").split(":")[0] ?? "",
      message: response.status?.message ?? "",
      asked,
    };
  } catch (err) {
    return { allowed: false, rule: "InternalError", message: (err as Error).message, asked };
  }
}

describe("a decision is refused to whoever declared the release since its Approval opened (ADR 0069)", () => {
  for (const row of rows) {
    it(row.situation, async () => {
      const result = await answer(row);
      assert.equal(result.allowed ? "allowed" : result.rule, row.expected, result.message);
      for (const words of row.says ?? []) assert.ok(result.message.includes(words), result.message);
      if (row.lookup !== false && row.excluded?.length !== 0)
        assert.deepEqual(result.asked, ["team-a/payments-prod"]);
    });
  }

  it("reads nothing for an update that adds no decision", async () => {
    const { ctx } = testContext();
    let asked = 0;
    const context: WebhookContext = {
      ...ctx,
      lookupChangeDeclarers: () => {
        asked += 1;
        return Promise.resolve(["bob"]);
      },
    };
    const approval = approvalObject({ excluded: OPERATOR_EXCLUDED });
    const request = admissionRequest({
      kind: "Approval",
      operation: "UPDATE",
      user: users.bob,
      oldObject: approval,
      object: approval,
    });
    assert.equal((await validateApproval(request, context)).allowed, true);
    assert.equal(asked, 0);
  });

  it("leaves a name that only contains a declarer's alone", () => {
    assert.equal(declaredSinceOpened(users.grace, ["grace"]).allowed, true);
    assert.equal(declaredSinceOpened({ username: "grace", groups: [] }, ["grace@example.com"]).allowed, true);
  });
});
