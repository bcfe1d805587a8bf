// The container image, proven without a container engine: `make image`'s OCI archive (built here, or reused when
// built from exactly these sources) is checked as a registry would check it, unpacked by umoci into a runtime bundle
// as an engine would, and run by runc, the runtime under Docker and containerd. It must carry the project's own
// Node 24 and only production dependencies, run as uid 65532 with a read-only root, no capabilities and no
// privilege escalation, run git over HTTP, and run the operator against a real kube-apiserver of its own until it
// is ready, leads, reconciles Environments, serves metrics and stops cleanly on SIGTERM.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { ensureImage, megabytes, type ImageRecord } from "../../hack/image/build.js";
import { SHIPPED_ROLE_FILES } from "../../hack/image/app-stage.js";
import { ensureImageTools } from "../../hack/image/debian-tools.js";
import {
  IMAGE_CMD,
  IMAGE_ENTRYPOINT,
  IMAGE_ENV,
  IMAGE_USER,
  IMAGE_WORKDIR,
  packageMetadata,
  REPO,
} from "../../hack/image/image-config.js";
import { readOciArchive, type OciImage } from "../../hack/image/oci-layout.js";
import { lockedNodeVersion } from "../../hack/image/project-node.js";
import { findFreePort } from "../../hack/local-cluster/free-port.js";
import {
  PROJECT_MANIFEST_DIRS,
  startLocalCluster,
  type LocalCluster,
} from "../../hack/local-cluster/index.js";
import { resources } from "../../src/controllers/resources.js";
import { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { serveGitRepository } from "../support/git-server.js";
import { waitFor } from "../support/kube.js";
import {
  runcRuntime,
  unpackBundle,
  type Container,
  type Runtime,
  type RuntimeBundle,
} from "../support/oci-runtime.js";
import { writeSelfSignedMetricsCert } from "../support/operator-metrics.js";
import { TEST_ROLLBACK_SEAL_KEY } from "../support/rollback-seal.js";

const USER_ID = 65532;
const sha256File = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** Every path under `dir` (not following symlinks), relative to it. */
function walk(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = join(prefix, entry.name);
    return entry.isDirectory() ? [rel, ...walk(dir, rel)] : [rel];
  });
}

/** GET over plain HTTP on loopback: the status code, or undefined while nothing answers. */
async function httpStatus(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return undefined;
  }
}

/** GET over HTTPS trusting only `caPem`, with a bearer token. */
function httpsGet(url: string, caPem: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: caPem, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("error", reject);
  });
}

describe("the container image (make image), run by runc from its own root filesystem", () => {
  const work = mkdtempSync(join(tmpdir(), "stagegate-image-test-"));
  let record: ImageRecord;
  let image: OciImage;
  let bundle: RuntimeBundle;
  let runtime: Runtime;
  let cluster: LocalCluster | undefined;
  let operator: Container | undefined;
  let failed = false;

  before(
    async () => {
      assert.equal(
        process.getuid?.(),
        0,
        "The image test builds the image (chown, chroot) and runs containers with runc: run it as root (sudo make test).",
      );
      await ensureImageTools(["buildah", "umoci", "runc"], console.error);
      const started = Date.now();
      record = await ensureImage();
      const reused = Date.parse(record.builtAt) < started;
      console.error(
        `Image ${record.reference} ${reused ? "reused" : `built in ${record.buildSeconds} s`}: ` +
          `${megabytes(record.sizes.compressedBytes)} compressed, ${megabytes(record.sizes.unpackedBytes)} unpacked`,
      );
      await mkdir(join(work, "layout"));
      image = await readOciArchive(record.archive, join(work, "layout"));
      bundle = await unpackBundle(join(work, "layout"), record.reference, join(work, "bundle"));
      runtime = runcRuntime(join(work, "runc"));
    },
    { timeout: 15 * 60_000 },
  );

  after(async () => {
    if (operator !== undefined) await operator.stop();
    runtime?.removeAll();
    await cluster?.stop({ keepLogs: failed });
    rmSync(work, { recursive: true, force: true });
  });

  it("is an OCI image the chart's defaults name, whose config runs stagegate as uid 65532", () => {
    const chart = parse(readFileSync(join(REPO, "charts/stagegate/Chart.yaml"), "utf8")) as {
      appVersion: string;
    };
    const values = parse(readFileSync(join(REPO, "charts/stagegate/values.yaml"), "utf8")) as {
      image: { repository: string };
    };
    assert.equal(image.reference, `${values.image.repository}:${chart.appVersion}`);
    assert.equal(image.manifestDigest, record.manifestDigest);
    const { config } = image.config;
    assert.equal(image.config.os, "linux");
    assert.equal(config.User, IMAGE_USER);
    assert.deepEqual(config.Entrypoint, IMAGE_ENTRYPOINT);
    assert.deepEqual(config.Cmd, IMAGE_CMD);
    assert.equal(config.WorkingDir, IMAGE_WORKDIR);
    assert.deepEqual(config.Env, IMAGE_ENV);
    const meta = packageMetadata();
    assert.equal(config.Labels?.["org.opencontainers.image.version"], meta.version);
    assert.equal(config.Labels?.["org.opencontainers.image.licenses"], meta.license);
    assert.match(config.Labels?.["org.opencontainers.image.revision"] ?? "", /^[0-9a-f]{40}$/);

    // What an engine makes of that config (umoci's translation into a runtime config).
    const proc = bundle.spec.process;
    assert.deepEqual(proc.user, { uid: USER_ID, gid: USER_ID });
    assert.deepEqual(proc.args, [...IMAGE_ENTRYPOINT, ...IMAGE_CMD]);
    assert.equal(proc.cwd, IMAGE_WORKDIR);
    assert.ok(proc.env.includes("HOME=/home/nonroot"), "HOME comes from the image's /etc/passwd");
  });

  it("carries the project's own Node 24 and only the production dependencies of the lockfile", async () => {
    const node = join(bundle.rootfs, "usr/local/bin/node");
    assert.equal(
      sha256File(node),
      sha256File(join(REPO, "node_modules/node/bin/node")),
      "the npm package's binary",
    );
    const version = await runtime.run(bundle, ["/usr/local/bin/node"], { args: ["--version"] });
    assert.equal(version.code, 0, version.output);
    assert.equal(version.output.trim(), `v${lockedNodeVersion()}`);
    assert.match(version.output, /^v24\./);

    const lock = JSON.parse(await readFile(join(REPO, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const topLevel = Object.entries(lock.packages).filter(([key]) =>
      /^node_modules\/(@[^/]+\/)?[^/]+$/.test(key),
    );
    const production = topLevel.filter(([, entry]) => entry.dev !== true).map(([key]) => key.slice(13));
    const modules = join(bundle.rootfs, "app/node_modules");
    const installed = readdirSync(modules)
      .filter((name) => !name.startsWith("."))
      .flatMap((name) =>
        name.startsWith("@") ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name],
      );
    assert.deepEqual(installed.sort(), production.sort());
    for (const dev of ["typescript", "tsx", "eslint", "prettier", "typescript-eslint", "node", "esbuild"]) {
      assert.ok(!existsSync(join(modules, dev)), `${dev} (a devDependency) is not in the image`);
    }
    const app = walk(join(bundle.rootfs, "app")).filter((path) => !path.startsWith("node_modules"));
    assert.ok(app.includes("dist/cmd/stagegate.js"));
    // `stagegate check` compares the live roles with the shipped ones, read beside dist/ as in a checkout.
    for (const file of SHIPPED_ROLE_FILES) {
      assert.equal(
        sha256File(join(bundle.rootfs, "app/config/rbac", file)),
        sha256File(join(REPO, "config/rbac", file)),
        `config/rbac/${file} ships in the image where stagegate check reads it`,
      );
    }
    assert.deepEqual(
      app.filter((path) => /\.(ts|map)$/.test(path)),
      [],
      "compiled JavaScript only: no TypeScript, no source maps",
    );
  });

  it("is minimal: no shell or package manager, root-owned files but for the user's directories, no setuid", () => {
    for (const absent of [
      "bin/sh",
      "bin/bash",
      "usr/bin/apt-get",
      "usr/bin/dpkg",
      "usr/bin/env",
      "sbin/ldconfig",
    ]) {
      assert.ok(!existsSync(join(bundle.rootfs, absent)), `/${absent} is not in the image`);
    }
    const userOwned: string[] = [];
    const special: string[] = [];
    for (const path of walk(bundle.rootfs)) {
      const stat = lstatSync(join(bundle.rootfs, path));
      if (stat.uid !== 0 || stat.gid !== 0) userOwned.push(`${path} ${stat.uid}:${stat.gid}`);
      const worldWritable = (stat.mode & 0o002) !== 0 && !stat.isSymbolicLink();
      if ((stat.mode & 0o6000) !== 0 || (worldWritable && path !== "tmp")) special.push(path);
    }
    assert.deepEqual(userOwned.sort(), [
      `home/nonroot ${USER_ID}:${USER_ID}`,
      `var/lib/stagegate ${USER_ID}:${USER_ID}`,
    ]);
    assert.deepEqual(special, [], "no setuid or setgid file, nothing world-writable but /tmp");
    assert.equal(lstatSync(join(bundle.rootfs, "tmp")).mode & 0o7777, 0o1777);

    const listed = readFileSync(join(REPO, "hack/image/packages.txt"), "utf8")
      .split("\n")
      .map((line) => line.replace(/#.*/, "").trim())
      .filter((line) => line !== "");
    assert.deepEqual(readdirSync(join(bundle.rootfs, "var/lib/dpkg/status.d")).sort(), listed.sort());
    assert.deepEqual(
      record.debianPackages.map((p) => p.split(" ")[0]),
      listed.slice().sort(),
    );
  });

  it("runs git over HTTP as its user, as separation of duties and branch resolution do", async () => {
    const credentials = { username: "reader", password: "s3cret-for-tests" };
    const repo = await serveGitRepository(
      "payments",
      [{ name: "Ada", email: "ada@example.com", message: "PAY-1 first" }],
      {
        http: credentials,
      },
    );
    try {
      assert.ok(repo.httpUrl);
      const url = repo.httpUrl.replace("http://", `http://${credentials.username}:${credentials.password}@`);
      const result = await runtime.run(bundle, ["/usr/bin/git"], {
        args: ["-c", "protocol.allow=never", "-c", "protocol.http.allow=always", "ls-remote", "--heads", url],
        env: { GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1" },
      });
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, new RegExp(`^${repo.shas[0]}\\s+refs/heads/main$`, "m"));
    } finally {
      await repo.stop();
    }
  });

  it(
    "runs the operator against a real API server as the chart runs it: ready, leading, reconciling, stopping on SIGTERM",
    { timeout: 5 * 60_000 },
    async () => {
      failed = true;
      cluster = await startLocalCluster({
        installCrdsFrom: [...PROJECT_MANIFEST_DIRS],
      });
      const adminConfig = cluster.kubeconfigs.admin;
      assert.ok(adminConfig);
      const admin = await KubeClient.connect(adminConfig);
      try {
        // The files the chart's volumes would mount, readable by the image's user (as a kubelet makes them with
        // fsGroup), and the kubeconfig of the operator's own least-privilege identity, certificates inlined.
        const mounts = join(work, "mounts");
        const dirs = ["kubeconfig", "tls", "rollback-seal", "audit"].map((name) => join(mounts, name));
        const [kubeconfigDir, tlsDir, sealDir, auditDir] = dirs as [string, string, string, string];
        for (const dir of dirs) await mkdir(dir, { recursive: true });
        const flattened = await cluster.kubectl("operator", [
          "config",
          "view",
          "--flatten",
          "--minify",
          "--raw",
        ]);
        assert.equal(flattened.code, 0, flattened.stderr);
        await writeFile(join(kubeconfigDir, "kubeconfig"), flattened.stdout, { mode: 0o644 });
        const metricsCaPem = writeSelfSignedMetricsCert(tlsDir);
        chmodSync(join(tlsDir, "tls.key"), 0o644);
        await writeFile(join(sealDir, "seal.key"), TEST_ROLLBACK_SEAL_KEY, { mode: 0o644 });
        chownSync(auditDir, USER_ID, USER_ID);

        const [healthPort, metricsPort] = [await findFreePort(), await findFreePort()];
        operator = await runtime.start(bundle, IMAGE_ENTRYPOINT, {
          args: [
            "run",
            "--kubeconfig=/etc/stagegate/kubeconfig/kubeconfig",
            "--leader-elect=true",
            "--leader-election-id=stagegate-operator",
            `--health-probe-bind-address=127.0.0.1:${healthPort}`,
            `--metrics-bind-address=127.0.0.1:${metricsPort}`,
            "--metrics-secure=true",
            "--webhook-cert-dir=/etc/stagegate/tls",
            "--audit-log=/var/lib/stagegate/audit.jsonl",
            // Admission webhooks need the API server to call into the container; not part of this proof.
            "--webhook-bind-address=0",
            "--admission-guard=false",
            "--events-bind-address=0",
            "--rollback-seal-key-file=/etc/stagegate/rollback-seal/seal.key",
            "--log-level=info",
          ],
          env: { POD_NAME: "stagegate-operator-0", POD_NAMESPACE: "stagegate-system" },
          binds: [
            { source: kubeconfigDir, destination: "/etc/stagegate/kubeconfig", readOnly: true },
            { source: tlsDir, destination: "/etc/stagegate/tls", readOnly: true },
            { source: sealDir, destination: "/etc/stagegate/rollback-seal", readOnly: true },
            { source: auditDir, destination: "/var/lib/stagegate", readOnly: false },
          ],
        });
        const running = operator;
        const ended = running.exited.then((code) => {
          throw new Error(`The operator exited with ${code}:\n${running.output()}`);
        });
        ended.catch(() => undefined);
        const ready = (path: string) =>
          waitFor(
            `${path} of the operator in the container`,
            async () =>
              (await httpStatus(`http://127.0.0.1:${healthPort}${path}`)) === 200 ? true : undefined,
            { timeoutMs: 90_000, intervalMs: 250 },
          );
        await Promise.race([ready("/readyz"), ended]);
        await ready("/healthz");

        // The process the kernel runs is node, as the image's user, without capabilities or a way to gain any.
        const pid = await running.pid();
        assert.equal(
          readlinkSync(`/proc/${pid}/exe`),
          "/usr/local/bin/node",
          "the kernel ran node by the shebang",
        );
        const status = readFileSync(`/proc/${pid}/status`, "utf8");
        assert.match(
          status,
          new RegExp(`^Uid:\\s+${USER_ID}\\s+${USER_ID}\\s+${USER_ID}\\s+${USER_ID}$`, "m"),
        );
        assert.match(
          status,
          new RegExp(`^Gid:\\s+${USER_ID}\\s+${USER_ID}\\s+${USER_ID}\\s+${USER_ID}$`, "m"),
        );
        assert.match(status, /^CapEff:\s+0+$/m);
        assert.match(status, /^CapBnd:\s+0+$/m);
        assert.match(status, /^NoNewPrivs:\s+1$/m);

        const lease = await waitFor("the Lease to name the container's replica", async () => {
          const obj = await admin.get(builtin.lease, "stagegate-operator", "stagegate-system");
          const holder = (obj.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
          return holder === "stagegate-operator-0" ? holder : undefined;
        });
        assert.equal(lease, "stagegate-operator-0");

        const environment = (name: string, promotesFrom: string[]) => ({
          apiVersion: "stagegate.io/v1alpha1",
          kind: "Environment",
          metadata: { name },
          spec: {
            description: `The ${name} stage.`,
            promotesFrom,
            delivery: {
              argoCDApplications: {
                namespaces: ["argocd"],
                matchLabels: { "stagegate.io/environment": name },
              },
            },
          },
        });
        await admin.create(resources.environment, environment("image-dev", []));
        await admin.create(resources.environment, environment("image-prod", ["image-dev", "image-qa"]));
        const readyCondition = (name: string, status: string) =>
          waitFor(`Environment ${name} Ready=${status}`, async () => {
            const obj = await admin.get(resources.environment, name);
            const conditions = (
              obj.status as {
                conditions?: { type: string; status: string; reason: string; message: string }[];
              }
            )?.conditions;
            const condition = conditions?.find((c) => c.type === "Ready");
            return condition?.status === status ? condition : undefined;
          });
        assert.equal((await readyCondition("image-dev", "True")).reason, "OrderResolved");
        const prod = await readyCondition("image-prod", "False");
        assert.equal(prod.reason, "UnknownPredecessor");
        assert.match(prod.message, /image-qa/);

        // /metrics over HTTPS with the mounted certificate; the API server authorises the scraper's token.
        const token = await cluster.kubectl("admin", [
          "create",
          "token",
          "metrics-scraper",
          "-n",
          "stagegate-system",
        ]);
        assert.equal(token.code, 0, token.stderr);
        const metrics = await httpsGet(
          `https://127.0.0.1:${metricsPort}/metrics`,
          metricsCaPem,
          token.stdout.trim(),
        );
        assert.equal(metrics.status, 200, metrics.body);
        assert.match(metrics.body, /^stagegate_/m);

        // The audit trail is on the mounted volume, written by the image's user.
        const audit = lstatSync(join(auditDir, "audit.jsonl"));
        assert.equal(audit.uid, USER_ID);

        // SIGTERM, as a kubelet stops the pod: the operator releases the Lease and exits 0.
        assert.equal(await running.stop(), 0, running.output());
        operator = undefined;
        const released = await admin.get(builtin.lease, "stagegate-operator", "stagegate-system");
        assert.ok(
          !(released.spec as { holderIdentity?: string } | undefined)?.holderIdentity,
          "the Lease is released",
        );
        const logs = running
          .output()
          .split("\n")
          .flatMap((line) => {
            try {
              return [JSON.parse(line) as { msg?: string }];
            } catch {
              return [];
            }
          });
        assert.ok(logs.length > 0, "the operator logs JSON lines");
        failed = false;
      } finally {
        admin.close();
      }
    },
  );
});
