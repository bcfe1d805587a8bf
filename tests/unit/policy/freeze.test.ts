import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freezesInForce, outsideFreezes, thawsAt, type FreezeSpec } from "../../../src/policy/freeze.js";

const at = (iso: string): Date => new Date(iso);
const freeze = (name: string, start: string, end: string): FreezeSpec => ({ name, start, end });

describe("release freezes", () => {
  const yearEnd = freeze("year-end", "2026-12-20T00:00:00Z", "2027-01-04T00:00:00Z");
  const audit = freeze("audit", "2027-01-03T00:00:00Z", "2027-01-10T00:00:00Z");
  const later = freeze("later", "2027-02-01T00:00:00Z", "2027-02-02T00:00:00Z");

  it("counts the start instant in and the end instant out", () => {
    assert.deepEqual(
      freezesInForce([yearEnd], at("2026-12-20T00:00:00Z")).map((f) => f.spec),
      [yearEnd],
    );
    assert.deepEqual(freezesInForce([yearEnd], at("2027-01-04T00:00:00Z")), []);
    assert.deepEqual(freezesInForce([yearEnd], at("2026-12-19T23:59:59.999Z")), []);
  });

  it("thaws at the end of the freeze in force, following freezes that overlap it", () => {
    assert.deepEqual(thawsAt([yearEnd, later], at("2026-12-25T00:00:00Z")), at("2027-01-04T00:00:00Z"));
    assert.deepEqual(
      thawsAt([yearEnd, audit, later], at("2026-12-25T00:00:00Z")),
      at("2027-01-10T00:00:00Z"),
    );
  });

  it("has no thaw when nothing is in force", () => {
    assert.equal(thawsAt([yearEnd, later], at("2026-12-01T00:00:00Z")), undefined);
    assert.equal(thawsAt([], at("2026-12-01T00:00:00Z")), undefined);
  });
});

describe("recurring freezes", () => {
  // Every weekend from Friday 16:00 to Monday 08:00 in Berlin (CET in December: UTC+1).
  const weekend: FreezeSpec = {
    name: "weekend",
    schedule: "0 16 * * 5",
    duration: "64h",
    timeZone: "Europe/Berlin",
    reason: "nobody on call",
  };

  it("holds from the start in its time zone until the duration has passed", () => {
    // Friday 2026-12-11 16:00 in Berlin is 15:00 UTC.
    assert.deepEqual(freezesInForce([weekend], at("2026-12-11T14:59:59Z")), []);
    const inForce = freezesInForce([weekend], at("2026-12-11T15:00:00Z"));
    assert.deepEqual(
      inForce.map((f) => [f.start.toISOString(), f.end.toISOString()]),
      [["2026-12-11T15:00:00.000Z", "2026-12-14T07:00:00.000Z"]],
    );
    assert.equal(freezesInForce([weekend], at("2026-12-13T23:00:00Z")).length, 1);
    assert.deepEqual(freezesInForce([weekend], at("2026-12-14T07:00:00Z")), []);
  });

  it("thaws at the end of this occurrence, not of a later one", () => {
    assert.deepEqual(thawsAt([weekend], at("2026-12-12T10:00:00Z")), at("2026-12-14T07:00:00Z"));
  });

  it("follows a dated freeze that chains onto a recurring one", () => {
    const monday = freeze("monday-audit", "2026-12-14T06:00:00Z", "2026-12-14T12:00:00Z");
    assert.deepEqual(thawsAt([weekend, monday], at("2026-12-12T10:00:00Z")), at("2026-12-14T12:00:00Z"));
  });

  it("names the freeze, its end and its reason in the gate's message", () => {
    const gate = outsideFreezes([weekend], at("2026-12-12T10:00:00Z"));
    assert.equal(gate.pass, false);
    assert.equal(gate.reason, "Frozen");
    assert.match(gate.message, /weekend until 2026-12-14T07:00:00Z \(nobody on call\)/);
  });
});

describe("freeze scope and exceptions", () => {
  const now = at("2026-12-25T00:00:00Z");
  const payments: FreezeSpec = {
    ...freeze("payments-peak", "2026-12-20T00:00:00Z", "2027-01-04T00:00:00Z"),
    namespaceSelector: { matchLabels: { "stagegate.io/team": "payments" } },
  };
  const hotfixes: FreezeSpec = {
    ...freeze("year-end", "2026-12-20T00:00:00Z", "2027-01-04T00:00:00Z"),
    exceptions: ["Hotfix"],
  };

  it("holds only releases in namespaces whose labels match", () => {
    const inTeam = { namespaceLabels: { "stagegate.io/team": "payments" } };
    const other = { namespaceLabels: { "stagegate.io/team": "search" } };
    assert.equal(outsideFreezes([payments], now, { scope: inTeam }).pass, false);
    assert.equal(outsideFreezes([payments], now, { scope: other }).pass, true);
  });

  it("holds a release whose namespace it cannot see (it errs on the side of holding)", () => {
    assert.equal(outsideFreezes([payments], now, { scope: { namespaceLabels: undefined } }).pass, false);
  });

  it("lets a Hotfix through only once its change is approved", () => {
    assert.equal(
      outsideFreezes([hotfixes], now, { changeType: "Hotfix", changeApproved: false }).pass,
      false,
    );
    const through = outsideFreezes([hotfixes], now, { changeType: "Hotfix", changeApproved: true });
    assert.equal(through.pass, true);
    assert.equal(through.reason, "FreezeException");
  });

  it("never lets a Feature through, approved or not, and says a Hotfix could pass", () => {
    const held = outsideFreezes([hotfixes], now, { changeType: "Feature", changeApproved: true });
    assert.equal(held.pass, false);
    assert.match(held.message, /Only an approved Hotfix release may enter/);
  });

  it("holds a Hotfix in a freeze without the exception even when approved", () => {
    const plain = freeze("plain", "2026-12-20T00:00:00Z", "2027-01-04T00:00:00Z");
    assert.equal(
      outsideFreezes([plain, hotfixes], now, { changeType: "Hotfix", changeApproved: true }).pass,
      false,
    );
  });
});
