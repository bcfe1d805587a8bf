import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { bearerToken, TokenFile, tokenMatches } from "../../../src/receivers/bearer-tokens.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { waitFor } from "../../support/kube.js";

const digest = (t: string): Buffer => createHash("sha256").update(t).digest();

/** A scoped token file with one token per name, each scoped to namespace shop; tokens are padded to 16. */
const file = (...names: string[]): string =>
  `tokens:\n${names.map((n) => `  - { name: ${n}, token: ${secret(n)}, namespaces: [shop] }\n`).join("")}`;
const secret = (name: string): string => `${name}-0123456789abcdef`;

describe("bearer tokens", () => {
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
      const empty = path.join(dir, "empty");
      await writeFile(empty, "tokens: []\n");
      await assert.rejects(TokenFile.open(empty, { intervalMs: 10, log: silentLogger }), /holds no token/);
      await assert.rejects(
        TokenFile.open(path.join(dir, "absent"), { intervalMs: 10, log: silentLogger }),
        /ENOENT/,
      );
    });

    it("checks headers: accepted, missing, wrong", async () => {
      const at = path.join(dir, "check");
      await writeFile(at, file("alpha"));
      const tokens = await TokenFile.open(at, { intervalMs: 10, log: silentLogger });
      try {
        assert.equal(tokens.check(`Bearer ${secret("alpha")}`), "accepted");
        assert.deepEqual(tokens.identify(`Bearer ${secret("alpha")}`), {
          check: "accepted",
          scope: { name: "alpha", namespaces: ["shop"] },
        });
        assert.equal(tokens.check(undefined), "missing");
        assert.equal(tokens.check(`Basic ${secret("alpha")}`), "missing");
        assert.equal(tokens.check(`Bearer ${secret("beta")}`), "wrong");
      } finally {
        tokens.close();
      }
    });

    it("follows a rotation: new token added, old one removed, an unreadable file keeps the last tokens", async () => {
      const at = path.join(dir, "rotate");
      await writeFile(at, file("old"));
      const tokens = await TokenFile.open(at, { intervalMs: 10, log: silentLogger });
      // Replaced atomically, as the kubelet updates a mounted Secret: a reader never sees a half-written file.
      const replace = async (content: string): Promise<void> => {
        await writeFile(`${at}.tmp`, content);
        await rename(`${at}.tmp`, at);
      };
      try {
        await replace(file("old", "new"));
        await waitFor("the new token to be accepted", () =>
          tokens.check(`Bearer ${secret("new")}`) === "accepted" ? true : undefined,
        );
        assert.equal(tokens.check(`Bearer ${secret("old")}`), "accepted");
        await replace(file("new"));
        await waitFor("the old token to be refused", () =>
          tokens.check(`Bearer ${secret("old")}`) === "wrong" ? true : undefined,
        );
        assert.equal(tokens.check(`Bearer ${secret("new")}`), "accepted");
        await rm(at);
        await tokens.reload();
        assert.equal(
          tokens.check(`Bearer ${secret("new")}`),
          "accepted",
          "a missing file keeps the previous tokens",
        );
        assert.equal(tokens.size, 1);
      } finally {
        tokens.close();
      }
    });

    it("accepts no token once the file is emptied (revoking every sender)", async () => {
      const at = path.join(dir, "revoke");
      await writeFile(at, file("alpha"));
      const tokens = await TokenFile.open(at, { intervalMs: 10, log: silentLogger });
      try {
        await writeFile(at, "tokens: []\n");
        await tokens.reload();
        assert.equal(tokens.size, 0);
        assert.equal(tokens.check(`Bearer ${secret("alpha")}`), "wrong");
      } finally {
        tokens.close();
      }
    });
  });
});
