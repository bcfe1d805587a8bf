import { join } from "node:path";

/** The repository root. */
export const REPO = join(import.meta.dirname, "..", "..");
/** The Helm chart. */
export const CHART_DIR = join(REPO, "charts", "stagegate");
/** The release name and namespace config/default is rendered for; the docs install the chart the same way. */
export const RELEASE = { name: "stagegate", namespace: "stagegate-system" } as const;
/** The values config/default is rendered with. */
export const CONFIG_DEFAULT_VALUES = join(import.meta.dirname, "config-default-values.yaml");

/**
 * The one home of each fact the chart shares with config/: the chart's files/ holds verbatim copies (written by
 * `make generate`), which its templates read. Source and copy are repo-relative.
 */
export const CHART_FILE_SOURCES = {
  "files/rbac": [
    "config/rbac/operator-role.yaml",
    "config/rbac/operator-binding.yaml",
    "config/rbac/webhook-certificate-role.yaml",
    "config/rbac/user-roles.yaml",
    "config/rbac/metrics-reader-role.yaml",
    "config/rbac/auditor-role.yaml",
  ],
  "files/webhook": [
    "config/webhook/service.yaml",
    "config/webhook/mutating-webhook-configuration.yaml",
    "config/webhook/validating-webhook-configuration.yaml",
  ],
  "files/grafana": ["config/grafana/stagegate-dashboard.json"],
  "files/policy": ["config/policy/closed-objects-immutable.yaml", "config/policy/dimension-labels.yaml"],
} as const;

/** Labels Helm adds that config/ does not carry; dropped when comparing or generating config/ from the chart. */
export const HELM_ONLY_LABELS = [
  "helm.sh/chart",
  "app.kubernetes.io/managed-by",
  "app.kubernetes.io/instance",
  "app.kubernetes.io/version",
] as const;

/** Annotations only Helm reads. */
export const HELM_ONLY_ANNOTATIONS = ["helm.sh/resource-policy"] as const;
