import assert from "node:assert/strict";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { FileMaterialCache, RECHECK_MS, SETTLE_MS } from "../../../src/runtime/kube/file-material.js";

const root = mkdtempSync(path.join(tmpdir(), "stagegate-file-material-"));
let dirs = 0;

/** A fresh directory with `tls.crt` holding `content`, its times an hour in the past. */
function certDir(content: string): { dir: string; file: string } {
  const dir = path.join(root, `d${dirs++}`);
  mkdirSync(dir);
  const file = path.join(dir, "tls.crt");
  writeFileSync(file, content);
  backdate(file);
  return { dir, file };
}

const HOUR_AGO = new Date(Date.now() - 3_600_000);

/** Sets the modification time an hour back (the change time stays now: the kernel sets it). */
function backdate(file: string): void {
  utimesSync(file, HOUR_AGO, HOUR_AGO);
}

/**
 * A cache that checks its files at every read, counts its reads from disk, and whose clock is `SETTLE_MS` past every
 * change made so far, so only what `stat` shows can make it read again (the settle window and the re-check interval
 * are tested on their own below).
 */
function settledCache(): { cache: FileMaterialCache; reads: () => number } {
  let reads = 0;
  const cache = new FileMaterialCache({
    recheckMs: 0,
    now: () => Date.now() + SETTLE_MS + 1_000,
    readFile: (file) => {
      reads++;
      return readFileSync(file);
    },
  });
  return { cache, reads: () => reads };
}

/** `readFileSync`'s error for `file`: the error a request got before the cache. */
function readError(file: string): Error {
  try {
    readFileSync(file);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`${file} can be read`);
}

describe("FileMaterialCache: credential files read again only when they change (issue 12)", () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it("serves an unchanged file from memory, the same Buffer every time", () => {
    const { file } = certDir("cert-one");
    const { cache, reads } = settledCache();
    const first = cache.read(file);
    assert.equal(first.toString(), "cert-one");
    for (let i = 0; i < 5; i++) assert.equal(cache.read(file), first);
    assert.equal(reads(), 1, "read from disk once");
  });

  // Each rotation leaves the old file's size and modification time (same-length PEMs, times restored) wherever
  // the writer allows it, so the check that notices it is the one named.
  const rotations: { how: string; rotate: (dir: string, file: string) => void }[] = [
    {
      how: "written in place, another size",
      rotate: (_dir, file) => writeFileSync(file, "cert-two-longer"),
    },
    {
      how: "written in place, same size, modification time set back (change time moves)",
      rotate: (_dir, file) => {
        writeFileSync(file, "cert-two");
        backdate(file);
      },
    },
    {
      how: "replaced by a rename, same size and modification time (another inode)",
      rotate: (dir, file) => {
        const next = path.join(dir, "tls.crt.tmp");
        writeFileSync(next, "cert-two");
        backdate(next);
        renameSync(next, file);
      },
    },
  ];
  for (const { how, rotate } of rotations) {
    it(`reads a file ${how} at its next check`, () => {
      const { dir, file } = certDir("cert-one");
      const { cache } = settledCache();
      const before = cache.read(file);
      assert.equal(before.toString(), "cert-one");
      rotate(dir, file);
      const after = cache.read(file);
      assert.notEqual(after.toString(), "cert-one");
      assert.deepEqual(after, readFileSync(file));
      assert.equal(cache.read(file), after, "the new content is cached in turn");
    });
  }

  it("follows an atomic swap of the `..data` symlink, as projected volumes and cert-manager rotate", () => {
    // <vol>/tls.crt -> ..data/tls.crt, ..data -> ..2026_v1; the swap renames a new link over ..data.
    const vol = path.join(root, `vol${dirs++}`);
    mkdirSync(vol);
    for (const [version, content] of [
      ["..2026_v1", "cert-one"],
      ["..2026_v2", "cert-two"],
    ] as const) {
      mkdirSync(path.join(vol, version));
      writeFileSync(path.join(vol, version, "tls.crt"), content);
      backdate(path.join(vol, version, "tls.crt"));
    }
    symlinkSync("..2026_v1", path.join(vol, "..data"));
    symlinkSync("..data/tls.crt", path.join(vol, "tls.crt"));
    const file = path.join(vol, "tls.crt");
    const { cache } = settledCache();
    assert.equal(cache.read(file).toString(), "cert-one");
    symlinkSync("..2026_v2", path.join(vol, "..data_tmp"));
    renameSync(path.join(vol, "..data_tmp"), path.join(vol, "..data"));
    rmSync(path.join(vol, "..2026_v1"), { recursive: true });
    assert.equal(cache.read(file).toString(), "cert-two");
  });

  it("throws readFileSync's own error for a deleted file, and reads it again once it is back", () => {
    const { file } = certDir("cert-one");
    const { cache } = settledCache();
    assert.equal(cache.read(file).toString(), "cert-one");
    unlinkSync(file);
    const expected = readError(file);
    assert.throws(() => cache.read(file), { name: expected.name, message: expected.message });
    assert.match(expected.message, /ENOENT: no such file or directory, open '.*tls\.crt'/);
    writeFileSync(file, "cert-one");
    assert.equal(cache.read(file).toString(), "cert-one");
  });

  it("reads a file again on every request until its last change is SETTLE_MS old", () => {
    // A second write of the same size within the file system's clock tick would leave stat unchanged.
    const { file } = certDir("cert-one");
    const changedAt = statSync(file).ctimeMs;
    let now = changedAt + SETTLE_MS - 1;
    let reads = 0;
    const cache = new FileMaterialCache({
      recheckMs: 0,
      now: () => now,
      readFile: (f) => {
        reads++;
        return readFileSync(f);
      },
    });
    const first = cache.read(file);
    assert.equal(cache.read(file), first, "equal bytes keep the Buffer already handed out");
    assert.equal(reads, 2, "read again within the window");
    now = changedAt + SETTLE_MS;
    cache.read(file);
    cache.read(file);
    assert.equal(reads, 2, "not read again once settled");
  });

  it("checks a file at most once per recheckMs: a rotation is read by the first request after the bound", () => {
    const { dir, file } = certDir("cert-one");
    let now = Date.now() + SETTLE_MS + 1_000;
    const cache = new FileMaterialCache({ recheckMs: RECHECK_MS, now: () => now });
    const checked = now;
    assert.equal(cache.read(file).toString(), "cert-one");
    const next = path.join(dir, "tls.crt.tmp");
    writeFileSync(next, "cert-two");
    renameSync(next, file);
    now = checked + RECHECK_MS - 1;
    assert.equal(cache.read(file).toString(), "cert-one", "served from memory within the bound");
    now = checked + RECHECK_MS;
    assert.equal(cache.read(file).toString(), "cert-two", "read at the bound");
    unlinkSync(file);
    now += RECHECK_MS - 1;
    assert.equal(
      cache.read(file).toString(),
      "cert-two",
      "a file deleted within the bound is not noticed yet",
    );
    now += 1;
    assert.throws(() => cache.read(file), { message: readError(file).message });
  });

  it("checks certificate and key in the same round, so a swapped pair is never half picked up", () => {
    // <vol>/tls.crt and tls.key through ..data; read a moment apart, as one request reads them.
    const vol = path.join(root, `vol${dirs++}`);
    mkdirSync(vol);
    for (const version of ["..v1", "..v2"]) {
      mkdirSync(path.join(vol, version));
      for (const name of ["tls.crt", "tls.key"])
        writeFileSync(path.join(vol, version, name), `${version}-${name}`);
    }
    symlinkSync("..v1", path.join(vol, "..data"));
    for (const name of ["tls.crt", "tls.key"]) symlinkSync(`..data/${name}`, path.join(vol, name));
    let now = Date.now() + SETTLE_MS + 1_000;
    const cache = new FileMaterialCache({ recheckMs: RECHECK_MS, now: () => now });
    // One request: the certificate read, `gap` ms later the key.
    const request = (gap: number): string[] =>
      ["tls.crt", "tls.key"].map((name, i) => {
        now += i * gap;
        return cache.read(path.join(vol, name)).toString();
      });
    const firstAt = now;
    assert.deepEqual(request(0.5), ["..v1-tls.crt", "..v1-tls.key"]);
    symlinkSync("..v2", path.join(vol, "..data_tmp"));
    renameSync(path.join(vol, "..data_tmp"), path.join(vol, "..data"));
    // The certificate's check is due; a timer of the key's own (read 0.5 ms after it) would not be yet.
    now = firstAt + RECHECK_MS;
    assert.deepEqual(request(0.1), ["..v2-tls.crt", "..v2-tls.key"]);
  });

  it("checks every file again when the clock goes back", () => {
    const { dir, file } = certDir("cert-one");
    let now = Date.now() + SETTLE_MS + 60_000;
    const cache = new FileMaterialCache({ recheckMs: RECHECK_MS, now: () => now });
    assert.equal(cache.read(file).toString(), "cert-one");
    const next = path.join(dir, "tls.crt.tmp");
    writeFileSync(next, "cert-two");
    renameSync(next, file);
    now -= 30_000;
    assert.equal(cache.read(file).toString(), "cert-two");
  });

  it("decodes inline base64 data once, and prefers a file as client-node does", () => {
    const { file } = certDir("from-file");
    const { cache } = settledCache();
    const data = Buffer.from("inline").toString("base64");
    const decoded = cache.fromFileOrData(undefined, data);
    assert.equal(decoded?.toString(), "inline");
    assert.equal(cache.fromFileOrData(undefined, data), decoded);
    assert.equal(cache.fromFileOrData(file, data)?.toString(), "from-file");
    assert.equal(cache.fromFileOrData(undefined, undefined), null);
  });
});
