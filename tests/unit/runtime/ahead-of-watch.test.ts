import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AheadOfWatch, type WatchedVersion } from "../../../src/runtime/informer/ahead-of-watch.js";

/** Writes `own` as this process's, then classifies each watched version in turn. */
function replay(own: string[], watched: (string | undefined)[]): WatchedVersion[] {
  const ahead = new AheadOfWatch();
  for (const version of own) ahead.wrote("ns/task", version);
  return watched.map((version) => ahead.watched("ns/task", version));
}

describe("AheadOfWatch: watch events behind this process's own writes", () => {
  const rows: { name: string; own: string[]; watched: (string | undefined)[]; expected: WatchedVersion[] }[] =
    [
      { name: "nothing written: every event is new", own: [], watched: ["5", "6"], expected: ["new", "new"] },
      {
        name: "one own write: the watch catches up with it",
        own: ["6"],
        watched: ["6", "7"],
        expected: ["caught-up", "new"],
      },
      {
        name: "two own writes in a row: the first one's event is behind the cache",
        own: ["6", "7"],
        watched: ["6", "7", "8"],
        expected: ["behind", "caught-up", "new"],
      },
      {
        name: "three own writes: both older events are behind",
        own: ["6", "7", "8"],
        watched: ["6", "7", "8"],
        expected: ["behind", "behind", "caught-up"],
      },
      {
        name: "someone else's version: new, and nothing is held back after it",
        own: ["6", "7"],
        watched: ["9", "6"],
        expected: ["new", "new"],
      },
      {
        name: "an event without a version is stored",
        own: ["6"],
        watched: [undefined],
        expected: ["new"],
      },
    ];
  for (const row of rows) {
    it(row.name, () => {
      assert.deepEqual(replay(row.own, row.watched), row.expected);
    });
  }

  it("keeps keys apart, and forgets one key or all", () => {
    const ahead = new AheadOfWatch();
    ahead.wrote("ns/a", "6");
    ahead.wrote("ns/a", "7");
    ahead.wrote("ns/b", "8");
    assert.equal(ahead.watched("ns/b", "6"), "new", "another object's versions are not behind");
    ahead.forget("ns/a");
    assert.equal(ahead.watched("ns/a", "6"), "new", "a deleted object's old versions are stored");
    ahead.wrote("ns/c", "9");
    ahead.wrote("ns/c", "10");
    ahead.forget();
    assert.equal(ahead.size, 0);
    assert.equal(ahead.watched("ns/c", "9"), "new", "after a relist nothing is held back");
  });
});
