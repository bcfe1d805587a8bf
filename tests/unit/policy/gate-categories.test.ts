// Every reason code a blocked gate can report has a category (ADR 0053): a new code added to a gate without one
// fails here, so the bottleneck report never counts a wait under a category it was not meant for.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { DELIVERY_TARGET_MISSING } from "../../../src/controllers/release/gate-wait.js";
import { REFUSAL_REASONS, ReleaseReason } from "../../../src/controllers/release/reasons.js";
import {
  categoriesOf,
  GATE_CATEGORIES,
  GATE_REASON_CATEGORY,
  primaryCategory,
} from "../../../src/policy/gate-categories.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Every TypeScript file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(path.join(repo, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(repo, dir, f));
}

/** The codes passed to every `blocked` call in the sources: the reasons a gate blocks with. */
function blockedCodes(files: readonly string[]): Set<string> {
  const codes = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(file, "utf8").matchAll(/\bblocked\(\s*"([A-Za-z]+)"/g)) {
      if (match[1] !== undefined) codes.add(match[1]);
    }
  }
  return codes;
}

describe("gate reason categories", () => {
  const codes = blockedCodes([...sources("src/policy"), ...sources("src/controllers")]);

  it("finds the gates' reason codes in the sources", () => {
    for (const known of ["ChecksPending", "ChangeNotApproved", "OutsideWindow", "Frozen", "TargetLocked"]) {
      assert.ok(codes.has(known), `${known} is found (found ${[...codes].join(", ")})`);
    }
  });

  it("has a category for every reason code a gate blocks with", () => {
    const missing = [...codes].filter((code) => GATE_REASON_CATEGORY[code] === undefined);
    assert.deepEqual(
      missing,
      [],
      `give these gate reason codes a category in src/policy/gate-categories.ts: ${missing.join(", ")}`,
    );
  });

  it("counts every refusal, stall and missing target as refused", () => {
    const stalls = [
      ReleaseReason.EnvironmentNotFound,
      ReleaseReason.TargetMissing,
      ReleaseReason.InvalidEnvironment,
    ];
    for (const code of [...REFUSAL_REASONS, ...stalls, DELIVERY_TARGET_MISSING]) {
      assert.equal(GATE_REASON_CATEGORY[code], "refused", code);
    }
  });

  it("maps reasons to the fixed categories, checks before approvals, lock last", () => {
    assert.deepEqual(
      Object.fromEntries(
        [
          "ChecksPending",
          "ChangeRequestMissing",
          "ChangeNotApproved",
          "OutsideWindow",
          "SyncWindowClosed",
        ].map((c) => [c, GATE_REASON_CATEGORY[c]]),
      ),
      {
        ChecksPending: "checks",
        ChangeRequestMissing: "approvals",
        ChangeNotApproved: "approvals",
        OutsideWindow: "window",
        SyncWindowClosed: "window",
      },
    );
    assert.equal(GATE_REASON_CATEGORY.Frozen, "freeze");
    assert.equal(GATE_REASON_CATEGORY.TargetLocked, "lock");
    assert.equal(GATE_REASON_CATEGORY.PreviousNotVerified, "previous");
    assert.deepEqual(categoriesOf(["TargetLocked", "ChangeNotApproved", "ChecksPending"]), [
      "checks",
      "approvals",
      "lock",
    ]);
    assert.equal(primaryCategory(["approvals", "lock"]), "approvals");
    assert.equal(primaryCategory([]), undefined);
    for (const category of Object.values(GATE_REASON_CATEGORY)) {
      assert.ok((GATE_CATEGORIES as readonly string[]).includes(category), category);
    }
  });
});
