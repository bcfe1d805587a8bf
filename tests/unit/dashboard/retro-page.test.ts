// The retrospective page without a feed, and the chain proof it shows from what the feed says about the chain.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { feedChainProof, retroPage } from "../../../src/dashboard/retro-page.js";
import { SessionStore } from "../../../src/dashboard/sessions.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";

const client = { close: () => undefined } as unknown as KubeClient;
const ann = { username: "ann", groups: [] };

describe("retroPage", () => {
  it("says in words that no audit feed is configured, and reads nothing", async () => {
    const store = new SessionStore({ idleMs: 60_000 });
    const session = store.open(ann, client, () => Promise.resolve(ann));
    const page = await retroPage(session, "shop", "shop-1", new Date());
    assert.equal(page.status, 503);
    assert.match(page.html, /no audit feed configured \(--audit-feed-url\)/);
    assert.match(page.html, /href="\/releases\/shop\/shop-1"/);
  });
});

describe("feedChainProof", () => {
  it("says the chain verified through the last entry the feed checked", () => {
    const proof = feedChainProof({
      source: "/var/lib/stagegate/audit-0.jsonl",
      items: [],
      chain: { intact: true, verifiedThrough: 12 },
      truncated: false,
    });
    assert.equal(proof.intact, true);
    assert.match(proof.headline, /^Chain verified by the operator's audit feed/);
    assert.match(proof.trails[0]?.chain ?? "", /through entry 12/);
  });

  it("puts a broken chain first, in words no reader can miss", () => {
    const proof = feedChainProof({
      source: "audit-0.jsonl",
      items: [],
      chain: {
        intact: false,
        verifiedThrough: 9,
        firstBad: { line: 10, seq: 10, problem: "edited", message: "its hash does not match its content" },
      },
      truncated: false,
    });
    assert.equal(proof.intact, false);
    assert.match(proof.headline, /^CHAIN BROKEN: the audit trail audit-0\.jsonl did not verify/);
    assert.match(proof.trails[0]?.chain ?? "", /broken at position 10 \(entry 10\), edited/);
  });
});
