import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { promotingHolder } from "../../../src/controllers/release/promoting-holder.js";
import type { TargetClaim } from "../../../src/controllers/release/target-claims.js";

/** A claim of `team/shop-2` on the target (what `otherClaims` reads from its status), in `state`. */
const claim = (state: TargetClaim["state"], release = "team/shop-2"): TargetClaim => ({
  release,
  environment: "prod",
  revision: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
  state,
  deployStartedAt: "2030-01-01T00:00:00Z",
});

// The claims of a target list only releases whose spec targets it and whose status shows a promotion there
// (Deploying, Deployed, Verified, Failed): a release waiting at the gate, or one that never targeted the object,
// has none.
const rows: { situation: string; claims: TargetClaim[]; real: boolean; owned?: boolean }[] = [
  {
    situation: "no release of that name claims the target (a forgery, or a deleted release)",
    claims: [],
    real: false,
  },
  {
    situation: "the release waits at the gate, or targets another object: no claim on this one",
    claims: [claim("Verified", "team/other")],
    real: false,
  },
  {
    situation: "its promotion is on record (Deploying), the tool asked or about to be",
    claims: [claim("Deploying")],
    real: true,
  },
  {
    situation: "delivered, awaiting verification (Deployed): it still holds the target",
    claims: [claim("Deployed")],
    real: true,
  },
  {
    situation: "Deploying there, but its environment no longer owns the object",
    claims: [claim("Deploying")],
    owned: false,
    real: false,
  },
  { situation: "done there (Verified): a leftover", claims: [claim("Verified")], real: false },
  { situation: "failed there: a leftover", claims: [claim("Failed")], real: false },
];

describe("a lock holder is real only while its release's status shows it promoting there", () => {
  for (const row of rows) {
    it(row.situation, () =>
      assert.equal(
        promotingHolder("team/shop-2", row.claims, () => row.owned ?? true),
        row.real,
      ),
    );
  }
});
