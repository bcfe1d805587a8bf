/** The API group every Stagegate kind belongs to. */
export const GROUP = "stagegate.io";

/** The one served and stored version of the Stagegate API. */
export const VERSION = "v1alpha1";

/** `apiVersion` as it appears in manifests. */
export const API_VERSION = `${GROUP}/${VERSION}`;

/** The category that makes `kubectl get stagegate -A` list every Stagegate object. */
export const CATEGORY = "stagegate";
