import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { LocalClusterError } from "./errors.js";
import type { KubectlTarget } from "./kubectl.js";
import { applyCrdFiles } from "./manifests.js";

const run = promisify(execFile);

/** One Go module that ships real CRD YAML, and the files in it to install. */
export interface ThirdPartyCrdSource {
  readonly module: string;
  readonly version: string;
  /** Paths inside the module. */
  readonly files: readonly string[];
}

/**
 * The third-party CRDs Stagegate integrates with, pinned in one place. They come from the projects' own Go
 * modules (never copied into this repo). Newer releases (argo-cd v3.6, kustomize/source-controller v1.10)
 * declare `go 1.27`, which Go 1.26 refuses; the proxy serves only some helm-controller versions (v1.6.4 works).
 */
export const THIRD_PARTY_CRDS: readonly ThirdPartyCrdSource[] = [
  {
    module: "github.com/argoproj/argo-cd/v3",
    version: "v3.5.7",
    files: ["manifests/crds/application-crd.yaml", "manifests/crds/appproject-crd.yaml"],
  },
  {
    module: "github.com/fluxcd/kustomize-controller",
    version: "v1.9.6",
    files: ["config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml"],
  },
  {
    module: "github.com/fluxcd/helm-controller",
    version: "v1.6.4",
    files: ["config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml"],
  },
  {
    module: "github.com/fluxcd/source-controller",
    version: "v1.9.6",
    files: [
      "config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml",
      "config/crd/bases/source.toolkit.fluxcd.io_helmrepositories.yaml",
      "config/crd/bases/source.toolkit.fluxcd.io_helmcharts.yaml",
    ],
  },
];

/**
 * The CRDs of the optional integrations the Helm chart and config/default can create objects for: cert-manager's
 * Certificate and Issuer (the webhook certificate) and the Prometheus Operator's ServiceMonitor and PrometheusRule.
 * Installed only by the install tests, on their own clusters (no controller runs: the objects are validated and
 * stored, not acted on).
 */
export const CHART_INTEGRATION_CRDS: readonly ThirdPartyCrdSource[] = [
  {
    module: "github.com/cert-manager/cert-manager",
    version: "v1.21.2",
    files: ["deploy/crds/cert-manager.io_certificates.yaml", "deploy/crds/cert-manager.io_issuers.yaml"],
  },
  {
    module: "github.com/prometheus-operator/prometheus-operator",
    version: "v0.85.0",
    files: [
      "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
      "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml",
    ],
  },
];

/** The part of `go mod download -json` output the installer reads. */
interface GoModDownload {
  readonly Dir?: string;
  readonly Error?: string;
}

/**
 * Downloads one module into the Go module cache (a no-op when it is already there) and returns the directory
 * it was extracted to. Runs in an empty directory with `GOFLAGS=-mod=mod` so no surrounding go.mod interferes.
 */
export async function downloadGoModule(module: string, version: string, workDir: string): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run("go", ["mod", "download", "-json", `${module}@${version}`], {
      cwd: workDir,
      env: { ...process.env, GOFLAGS: "-mod=mod" },
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    const out = (error as { stdout?: string; stderr?: string }).stdout ?? "";
    const parsed = out ? (JSON.parse(out) as GoModDownload) : {};
    const detail = parsed.Error ?? (error as { stderr?: string }).stderr ?? String(error);
    throw new LocalClusterError(`go mod download ${module}@${version} failed: ${detail.trim()}`, {
      cause: error,
    });
  }
  const result = JSON.parse(stdout) as GoModDownload;
  if (result.Error !== undefined || result.Dir === undefined) {
    throw new LocalClusterError(
      `go mod download ${module}@${version} failed: ${result.Error ?? "no Dir in output"}`,
    );
  }
  return result.Dir;
}

/**
 * Downloads every pinned module and returns the absolute paths of the CRD files, checking each exists so a
 * bumped version with a moved file fails here, naming the module and path, instead of deep inside kubectl.
 */
export async function resolveThirdPartyCrdFiles(
  sources: readonly ThirdPartyCrdSource[] = THIRD_PARTY_CRDS,
): Promise<string[]> {
  const workDir = await mkdtemp(join(tmpdir(), "stagegate-gomod-"));
  try {
    const perModule = await Promise.all(
      sources.map(async (source) => {
        const dir = await downloadGoModule(source.module, source.version, workDir);
        return source.files.map((file) => {
          const path = join(dir, file);
          if (!existsSync(path)) {
            throw new LocalClusterError(
              `${source.module}@${source.version} has no ${file}; update THIRD_PARTY_CRDS.`,
            );
          }
          return path;
        });
      }),
    );
    return perModule.flat();
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Installs the pinned Argo CD and Flux CRDs into the cluster and waits until every one is Established.
 * Returns the applied CRD names.
 */
export async function installThirdPartyCrds(
  target: KubectlTarget,
  sources: readonly ThirdPartyCrdSource[] = THIRD_PARTY_CRDS,
): Promise<string[]> {
  return applyCrdFiles(target, await resolveThirdPartyCrdFiles(sources));
}
