import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ConfigError } from "../../../src/cmd/config.js";
import { openRollbackSeal } from "../../../src/cmd/rollback-seal.js";
import { silentLogger } from "../../../src/runtime/logging.js";

describe("openRollbackSeal", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "seal-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const facts = {
    namespace: "team-a",
    name: "t",
    release: { name: "shop", uid: "u" },
    environment: "prod",
    origin: "Alert",
    policy: "Manual",
  } as const;

  it("seals the same way on every replica reading the same key file", async () => {
    const file = path.join(dir, "key");
    await writeFile(file, Buffer.alloc(32, 1));
    const [one, two] = [
      await openRollbackSeal(file, silentLogger),
      await openRollbackSeal(file, silentLogger),
    ];
    const mac = one.annotations(facts)["stagegate.io/rollback-seal"] ?? "";
    assert.equal(two.verify(facts, mac), true);
  });

  it("refuses a key shorter than 32 bytes and a file that cannot be read, naming the flag", async () => {
    const short = path.join(dir, "short");
    await writeFile(short, "too short");
    await assert.rejects(openRollbackSeal(short, silentLogger), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /--rollback-seal-key-file .*at least 32/);
      return true;
    });
    await assert.rejects(openRollbackSeal(path.join(dir, "missing"), silentLogger), /cannot be read/);
  });

  it("without a key file, seals with a random key no other process shares", async () => {
    const [one, two] = [
      await openRollbackSeal(undefined, silentLogger),
      await openRollbackSeal(undefined, silentLogger),
    ];
    const mac = one.annotations(facts)["stagegate.io/rollback-seal"] ?? "";
    assert.equal(one.verify(facts, mac), true);
    assert.equal(two.verify(facts, mac), false);
  });
});
