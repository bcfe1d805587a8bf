// The Dockerfile cannot be built here (no container engine), so this keeps it in step with what `make image` builds:
// the same config as hack/image/image-config.ts, the same assembly script, the Node version the lockfile pins, and a
// build context that holds exactly what the Dockerfile copies.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  BUILD_ARG_LABELS,
  IMAGE_CMD,
  IMAGE_ENTRYPOINT,
  IMAGE_ENV,
  IMAGE_USER,
  IMAGE_WORKDIR,
  imageLabels,
  packageMetadata,
  REPO,
} from "../../../hack/image/image-config.js";
import { SHIPPED_ROLE_FILES } from "../../../hack/image/app-stage.js";
import { lockedNodeVersion } from "../../../hack/image/project-node.js";

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions grouped by stage (the lines before the first FROM form stage 0), continuation lines joined. */
function parseDockerfile(text: string): Instruction[][] {
  const logical = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages: Instruction[][] = [[]];
  for (const line of logical) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    if (instruction.keyword === "FROM") stages.push([]);
    stages[stages.length - 1]!.push(instruction);
  }
  return stages;
}

/** Shell-like words: whitespace separates, double quotes group and are removed. */
function words(args: string): string[] {
  return [...args.matchAll(/(?:[^\s"]+|"[^"]*")+/g)].map((m) => m[0].replace(/"/g, ""));
}

/** `KEY=value` words as a record. */
function pairs(args: string): Record<string, string> {
  return Object.fromEntries(
    words(args).map((word) => {
      const eq = word.indexOf("=");
      return [word.slice(0, eq), word.slice(eq + 1)];
    }),
  );
}

const dockerfile = readFileSync(join(REPO, "Dockerfile"), "utf8");
const stages = parseDockerfile(dockerfile);
const final = stages[stages.length - 1]!;
const only = (stage: Instruction[], keyword: string): string => {
  const found = stage.filter((i) => i.keyword === keyword);
  assert.equal(found.length, 1, `the final stage has one ${keyword}`);
  return found[0]!.args;
};

describe("Dockerfile", () => {
  it("ends in a stage from scratch holding only the assembled root filesystem", () => {
    assert.equal(final[0]?.args, "scratch");
    const copies = final.filter((i) => i.keyword === "COPY");
    assert.deepEqual(
      copies.map((c) => c.args),
      ["--from=rootfs /rootfs/ /"],
    );
    assert.ok(
      final.every((i) => i.keyword !== "RUN"),
      "nothing runs in the runtime stage (it has no shell)",
    );
  });

  it("declares the config make image writes: entrypoint, command, user, working directory, environment", () => {
    assert.deepEqual(JSON.parse(only(final, "ENTRYPOINT")), IMAGE_ENTRYPOINT);
    assert.deepEqual(JSON.parse(only(final, "CMD")), IMAGE_CMD);
    assert.equal(only(final, "USER"), IMAGE_USER);
    assert.match(IMAGE_USER, /^\d+:\d+$/, "numeric, so the kubelet can check runAsNonRoot");
    assert.equal(only(final, "WORKDIR"), IMAGE_WORKDIR);
    const env = pairs(only(final, "ENV"));
    assert.deepEqual(
      Object.entries(env).map(([k, v]) => `${k}=${v}`),
      IMAGE_ENV,
    );
  });

  it("carries the same OCI labels, the build-specific ones from build arguments defaulting to package.json", () => {
    const labels = pairs(only(final, "LABEL"));
    const meta = { ...packageMetadata(), revision: "REV", created: "CREATED" };
    const expected = imageLabels(meta);
    assert.deepEqual(Object.keys(labels).sort(), Object.keys(expected).sort());
    const args = Object.fromEntries(
      final.filter((i) => i.keyword === "ARG").map((i) => i.args.split("=") as [string, string]),
    );
    for (const [key, value] of Object.entries(labels)) {
      const arg = BUILD_ARG_LABELS[key as keyof typeof BUILD_ARG_LABELS];
      if (arg === undefined) assert.equal(value, expected[key], key);
      else assert.equal(value, `\${${arg}}`, `${key} comes from --build-arg ${arg}`);
    }
    assert.equal(args.VERSION, meta.version, "VERSION defaults to package.json's version");
  });

  it("builds on the Node the lockfile pins, and runs the same assembly script as make image", () => {
    const nodeArg = stages[0]!.find((i) => i.keyword === "ARG" && i.args.startsWith("NODE_VERSION="));
    assert.equal(nodeArg?.args, `NODE_VERSION=${lockedNodeVersion()}`);
    const runs = stages.flat().filter((i) => i.keyword === "RUN");
    assert.ok(
      runs.some((r) => r.args.includes("/build/assemble-rootfs.sh /rootfs /stage/app /stage/node/node")),
    );
    assert.ok(runs.some((r) => r.args.includes("npm ci --omit=dev --ignore-scripts")));
    assert.ok(runs.some((r) => r.args.includes("npm run build")));
  });

  it("copies the operator's shipped roles where stagegate check reads them, as make image does", () => {
    const copies = stages.flat().filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"));
    const roles = copies.find((i) => words(i.args).at(-1) === "/stage/app/config/rbac/");
    assert.ok(roles !== undefined, "a COPY into /stage/app/config/rbac/");
    assert.deepEqual(
      words(roles.args).slice(0, -1),
      SHIPPED_ROLE_FILES.map((file) => `config/rbac/${file}`),
    );
  });

  it("has a build context (.dockerignore) of exactly the files it copies", () => {
    const allowed = readFileSync(join(REPO, ".dockerignore"), "utf8")
      .split("\n")
      .filter((line) => line.startsWith("!"))
      .map((line) => line.slice(1).replace(/\/$/, ""))
      .sort();
    const copied = [
      ...new Set(
        stages
          .flat()
          .filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"))
          .flatMap((i) => words(i.args).slice(0, -1))
          .map((source) => source.replace(/\/$/, "")),
      ),
    ].sort();
    assert.deepEqual(allowed, copied);
    assert.match(readFileSync(join(REPO, ".dockerignore"), "utf8"), /^\*$/m, "everything else is ignored");
  });
});
