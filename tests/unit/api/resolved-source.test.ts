// The pure parts of resolving branches and tags: which refs can be resolved, how a resolution pins a spec, what a
// gated environment accepts with and without gate.mutableRevisions: Resolve, and the artifact each stage records.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import {
  artifactOf,
  describeArtifact,
  mutableRevisionProblem,
  resolvableRef,
} from "../../../src/api/v1alpha1/release-binding.js";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import { pinnedSpec, unresolvableRef } from "../../../src/api/v1alpha1/resolved-source.js";

const COMMIT = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const OTHER = "9a8b7c6d5e4f30211f2e3d4c5b6a79880a1b2c3d";
const REPO = "https://git.example.com/shop.git";

function spec(revision: string, prodRevision = revision): ReleaseSpec {
  return ReleaseSpec.parse({
    version: "1.0.0",
    source: { repoURL: REPO, revision },
    pipeline: ["dev", "prod"],
    targets: [
      { environment: "dev", flux: { kind: "Kustomization", name: "shop-dev" } },
      { environment: "prod", argoCD: { name: "shop-prod", namespace: "argocd", revision: prodRevision } },
    ],
    owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
  });
}

const resolved = { repoURL: REPO, ref: "main", commit: COMMIT, resolvedAt: "2030-01-01T00:00:00Z" };

describe("resolving branches and tags", () => {
  it("tells refs a repository can resolve from commit ids", () => {
    assert.equal(unresolvableRef("main"), undefined);
    assert.equal(unresolvableRef("v1.4.0"), undefined);
    assert.equal(unresolvableRef("refs/heads/main"), undefined);
    assert.match(unresolvableRef(COMMIT) ?? "", /already a full commit id/);
    assert.match(unresolvableRef("4f2c1e0") ?? "", /abbreviated commit id.*set the full commit id/);
  });

  it("pins the source and every target naming the same ref, and nothing else", () => {
    const pinned = pinnedSpec(spec("main", "main"), resolved);
    assert.equal(pinned.source.revision, COMMIT);
    assert.equal(pinned.targets[1]?.argoCD?.revision, COMMIT);
    const mixed = pinnedSpec(spec("main", OTHER), resolved);
    assert.equal(mixed.targets[1]?.argoCD?.revision, OTHER);
  });

  it("applies a resolution only to the ref and repository it was made for", () => {
    assert.equal(pinnedSpec(spec("hotfix"), resolved).source.revision, "hotfix");
    const moved = { ...spec("main"), source: { ...spec("main").source, repoURL: `${REPO}x` } };
    assert.equal(pinnedSpec(moved, resolved).source.revision, "main");
    assert.equal(pinnedSpec(spec("main"), undefined).source.revision, "main");
  });

  it("lets a gated environment resolve only where it says so, and only branch and tag names", () => {
    const refuse = EnvironmentSpec.parse({ gate: { requiredApprovals: 1, approvers: { users: ["erin"] } } });
    const resolve = EnvironmentSpec.parse({
      gate: { requiredApprovals: 1, approvers: { users: ["erin"] }, mutableRevisions: "Resolve" },
    });
    assert.equal(refuse.gate.mutableRevisions, "Refuse");
    assert.equal(resolvableRef(refuse, spec("main")), undefined);
    assert.equal(resolvableRef(resolve, spec("main")), "main");
    assert.equal(resolvableRef(resolve, spec("4f2c1e0")), undefined);
    assert.equal(resolvableRef(resolve, spec(COMMIT)), undefined);
  });

  it("accepts the resolvable ref where it is resolved, and names the fix everywhere else", () => {
    const target = spec("main").targets[1];
    assert.ok(target !== undefined);
    assert.equal(mutableRevisionProblem(target, spec("main"), { ref: "main" }), undefined);
    assert.match(mutableRevisionProblem(target, spec("main")) ?? "", /gate.mutableRevisions: Resolve/);
    const other = spec("main", "develop").targets[1];
    assert.ok(other !== undefined);
    assert.match(
      mutableRevisionProblem(other, spec("main", "develop"), { ref: "main" }) ?? "",
      /argoCD.revision "develop" is not a full commit id.*the same ref as spec.source.revision \(main\)/,
    );
  });

  it("records another artifact when a digest changes, whatever the order the digests are listed in", () => {
    const a = `sha256:${"a".repeat(64)}`;
    const b = `sha256:${"b".repeat(64)}`;
    assert.equal(artifactOf({ source: { revision: COMMIT } }), COMMIT);
    const ab = artifactOf({ source: { revision: COMMIT, digests: [a, b] } });
    assert.equal(ab, artifactOf({ source: { revision: COMMIT, digests: [b, a] } }));
    assert.notEqual(ab, artifactOf({ source: { revision: COMMIT, digests: [a] } }));
    assert.match(ab, new RegExp(`^${COMMIT}\\+digests:sha256:[0-9a-f]{64}$`));
    assert.match(describeArtifact(ab), new RegExp(`^commit ${COMMIT} with digests sha256:`));
    assert.equal(describeArtifact(COMMIT), `commit ${COMMIT}`);
  });
});
