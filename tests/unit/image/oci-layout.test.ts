// The OCI layout reader the image build reports sizes with and the image test trusts: it must accept a well-formed
// layout and refuse one whose blobs do not match their descriptors, as a registry or runtime would.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { readOciLayout } from "../../../hack/image/oci-layout.js";

const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const dirs: string[] = [];

/** Writes a one-layer image layout; `tamper` may change the blobs before the descriptors are written. */
function writeLayout(tamper: { layer?: (gz: Buffer) => Buffer; diffId?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "stagegate-oci-"));
  dirs.push(dir);
  const rootfs = join(dir, "rootfs");
  mkdirSync(join(rootfs, "etc"), { recursive: true });
  writeFileSync(join(rootfs, "etc", "hello"), "hello\n");
  const tar = execFileSync("tar", ["-C", rootfs, "-cf", "-", "."]);
  const gz = gzipSync(tar);
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const put = (data: Buffer | string) => {
    const digest = sha256(data);
    writeFileSync(join(dir, "blobs", "sha256", digest.slice(7)), data);
    return { digest, size: Buffer.byteLength(data) };
  };
  const layer = put(gz);
  if (tamper.layer) writeFileSync(join(dir, "blobs", "sha256", layer.digest.slice(7)), tamper.layer(gz));
  const config = put(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { User: "65532:65532", Entrypoint: ["/bin/x"] },
      rootfs: { type: "layers", diff_ids: [tamper.diffId ?? sha256(tar)] },
    }),
  );
  const manifest = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
    }),
  );
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "org.opencontainers.image.ref.name": "x:1" },
        },
      ],
    }),
  );
  return dir;
}

describe("readOciLayout", () => {
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it("reads the reference, config and layer sizes of a well-formed layout", async () => {
    const dir = writeLayout();
    const image = await readOciLayout(dir);
    assert.equal(image.reference, "x:1");
    assert.equal(image.config.config.User, "65532:65532");
    assert.equal(image.layers.length, 1);
    const layer = image.layers[0]!;
    assert.equal(layer.size, readFileSync(layer.path).length);
    assert.ok(layer.uncompressedSize >= 10240, "a tar is at least two 512-byte end blocks and a header");
  });

  it("refuses a layer blob that is not what its descriptor says", async () => {
    const flipped = writeLayout({
      layer: (gz) => Buffer.from(gz.map((b, i) => (i === gz.length - 12 ? b ^ 1 : b))),
    });
    await assert.rejects(readOciLayout(flipped), /has digest sha256:/);
    const truncated = writeLayout({ layer: (gz) => gz.subarray(0, gz.length - 1) });
    await assert.rejects(readOciLayout(truncated), /bytes; its descriptor says/);
  });

  it("refuses a layer whose tar is not the config's diff_id", async () => {
    const dir = writeLayout({ diffId: sha256("something else") });
    await assert.rejects(readOciLayout(dir), /not the config's sha256:/);
  });
});
