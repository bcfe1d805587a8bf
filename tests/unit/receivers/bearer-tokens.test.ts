import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  bearerToken,
  parseTokenFile,
  TokenFile,
  tokenMatches,
} from "../../../src/receivers/bearer-tokens.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { waitFor } from "../../support/kube.js";

const digest = (t: string): Buffer => createHash("sha256").update(t).digest();

describe("bearer tokens", () => {
  it("reads one token per non-empty line, trimming whitespace and CRs", () => {
    assert.deepEqual(parseTokenFile("alpha\r\n\n  beta  \n\t\n"), ["alpha", "beta"]);
    assert.deepEqual(parseTokenFile(""), []);
  });

  const headers: [string | undefined, string | undefined][] = [
    ["Bearer s3cret", "s3cret"],
    ["bearer s3cret", "s3cret"],
    ["Bearer   s3cret ", "s3cret"],
    ["Basic dXNlcjpwYXNz", undefined],
    ["Bearer", undefined],
    ["Bearer two words", undefined],
    [undefined, undefined],
  ];
  for (const [header, token] of headers) {
    it(`reads ${JSON.stringify(header)} as ${JSON.stringify(token)}`, () => {
      assert.equal(bearerToken(header), token);
    });
  }

  it("matches any accepted token and nothing else, whatever the length", () => {
    const accepted = ["alpha", "beta-rotated"].map(digest);
    assert.equal(tokenMatches("alpha", accepted), true);
    assert.equal(tokenMatches("beta-rotated", accepted), true);
    assert.equal(tokenMatches("alph", accepted), false);
    assert.equal(tokenMatches("alpha-and-more", accepted), false);
    assert.equal(tokenMatches("", accepted), false);
    assert.equal(tokenMatches("alpha", []), false);
  });

  describe("a token file", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "stagegate-tokens-"));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it("refuses to open a file without a token", async () => {
      const file = path.join(dir, "empty");
      await writeFile(file, "\n\n");
      await assert.rejects(TokenFile.open(file, { intervalMs: 10, log: silentLogger }), /holds no token/);
      await assert.rejects(
        TokenFile.open(path.join(dir, "absent"), { intervalMs: 10, log: silentLogger }),
        /ENOENT/,
      );
    });

    it("checks headers: accepted, missing, wrong", async () => {
      const file = path.join(dir, "check");
      await writeFile(file, "alpha\n");
      const tokens = await TokenFile.open(file, { intervalMs: 10, log: silentLogger });
      try {
        assert.equal(tokens.check("Bearer alpha"), "accepted");
        assert.equal(tokens.check(undefined), "missing");
        assert.equal(tokens.check("Basic alpha"), "missing");
        assert.equal(tokens.check("Bearer beta"), "wrong");
      } finally {
        tokens.close();
      }
    });

    it("follows a rotation: new token added, old one removed, an unreadable file keeps the last tokens", async () => {
      const file = path.join(dir, "rotate");
      await writeFile(file, "old\n");
      const tokens = await TokenFile.open(file, { intervalMs: 10, log: silentLogger });
      // Replaced atomically, as the kubelet updates a mounted Secret: a reader never sees a half-written file.
      const replace = async (content: string): Promise<void> => {
        await writeFile(`${file}.tmp`, content);
        await rename(`${file}.tmp`, file);
      };
      try {
        await replace("old\nnew\n");
        await waitFor("the new token to be accepted", () =>
          tokens.check("Bearer new") === "accepted" ? true : undefined,
        );
        assert.equal(tokens.check("Bearer old"), "accepted");
        await replace("new\n");
        await waitFor("the old token to be refused", () =>
          tokens.check("Bearer old") === "wrong" ? true : undefined,
        );
        assert.equal(tokens.check("Bearer new"), "accepted");
        await rm(file);
        await tokens.reload();
        assert.equal(tokens.check("Bearer new"), "accepted", "a missing file keeps the previous tokens");
        assert.equal(tokens.size, 1);
      } finally {
        tokens.close();
      }
    });

    it("accepts no token once the file is emptied (revoking every sender)", async () => {
      const file = path.join(dir, "revoke");
      await writeFile(file, "alpha\n");
      const tokens = await TokenFile.open(file, { intervalMs: 10, log: silentLogger });
      try {
        await writeFile(file, "");
        await tokens.reload();
        assert.equal(tokens.size, 0);
        assert.equal(tokens.check("Bearer alpha"), "wrong");
      } finally {
        tokens.close();
      }
    });
  });
});
