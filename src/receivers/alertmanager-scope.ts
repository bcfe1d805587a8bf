import type { AlertMatch } from "./alertmanager-match.js";
import { RELEASE_ALERT_LABEL } from "./alertmanager-match.js";

/** The label scoping an alert to the namespace of the Release it is about. */
export const NAMESPACE_ALERT_LABEL = "stagegate_namespace";
/** The conventional label of the workload's namespace, used only to choose between matches in several namespaces. */
export const WORKLOAD_NAMESPACE_LABEL = "namespace";

/** An alert's matches kept in one namespace, or the reason none is acted on. */
export type ScopedAlert =
  | { matches: AlertMatch[]; refusal?: undefined }
  | { matches: []; refusal: { namespaces: string[]; message: string } };

/** The namespace the alert names explicitly: `stagegate_namespace`, or the prefix of `stagegate_release=<ns>/<name>`. */
function explicitNamespace(labels: Readonly<Record<string, string>>): string[] {
  const named: string[] = [];
  const scoped = labels[NAMESPACE_ALERT_LABEL];
  if (scoped !== undefined && scoped !== "") named.push(scoped);
  const release = labels[RELEASE_ALERT_LABEL];
  const slash = release?.indexOf("/") ?? -1;
  if (release !== undefined && slash > 0) named.push(release.slice(0, slash));
  return [...new Set(named)];
}

/**
 * Keeps an alert's matches to one namespace: the one it names (`stagegate_namespace` or
 * `stagegate_release=<ns>/<name>`); else the only one its matches fall in; else, of several, the one its `namespace`
 * label names. An alert naming two namespaces, or matching releases in several with nothing to choose between
 * them, acts on none: a release name or a label selector is not enough to pick another team's release. Pure.
 */
export function scopeAlert(
  labels: Readonly<Record<string, string>>,
  matches: readonly AlertMatch[],
): ScopedAlert {
  const named = explicitNamespace(labels);
  if (named.length > 1) {
    return {
      matches: [],
      refusal: {
        namespaces: named,
        message:
          `The alert names two namespaces (${named.join(", ")}) in ${NAMESPACE_ALERT_LABEL} and ` +
          `${RELEASE_ALERT_LABEL}; it is acted on nowhere. Name one namespace.`,
      },
    };
  }
  const [scope] = named;
  if (scope !== undefined) return { matches: matches.filter((m) => m.release.namespace === scope) };
  const namespaces = [...new Set(matches.map((m) => m.release.namespace))].sort();
  if (namespaces.length <= 1) return { matches: [...matches] };
  const workload = labels[WORKLOAD_NAMESPACE_LABEL];
  if (workload !== undefined && namespaces.includes(workload)) {
    return { matches: matches.filter((m) => m.release.namespace === workload) };
  }
  return {
    matches: [],
    refusal: {
      namespaces,
      message:
        `The alert matches releases in several namespaces (${namespaces.join(", ")}) and names none of them; it ` +
        `is acted on nowhere. Add the label ${NAMESPACE_ALERT_LABEL} (the Release's namespace) to the alert ` +
        `rule, or name the release as ${RELEASE_ALERT_LABEL}=<namespace>/<name>.`,
    },
  };
}
