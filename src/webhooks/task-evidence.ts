/**
 * What counts as evidence when a person completes a checklist item: it names the artifact it attests (a digest or
 * the full commit of the task's binding) or links a report (an https:// URL). Free text alone proves nothing.
 */

/** The artifact a bound task attests: its full commit and digests; undefined for a task with no binding. */
export interface AttestedArtifact {
  commit?: string | undefined;
  digests: readonly string[];
}

/** The longest evidence URL accepted (browsers and proxies agree on about this much). */
export const MAX_EVIDENCE_URL_LENGTH = 2048;

/** A user-typed value as a message quotes it: JSON-escaped (no terminal escapes), cut to 80 characters. */
export function quoted(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const cut = text.length > 80 ? `${text.slice(0, 80)}...` : text;
  return JSON.stringify(cut);
}

/** Whether `value` is an absolute https:// URL with a host, no credentials and nothing unprintable. */
export function isHttpsUrl(value: string): boolean {
  if (value.length > MAX_EVIDENCE_URL_LENGTH || !/^[\x21-\x7e]+$/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.hostname !== "" && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}

function describeArtifact(artifact: AttestedArtifact): string {
  const digests =
    artifact.digests.length === 0 ? "" : ` or one of its digests ${artifact.digests.join(", ")}`;
  return `commit ${artifact.commit ?? "(none)"}${digests}`;
}

/**
 * What is wrong with the evidence a person attaches at `field` (for example `spec.checklist[scan-run].evidence`),
 * as a sentence naming the field and the fix; undefined when it attests the task's artifact or links a report.
 */
export function evidenceProblem(
  evidence: Readonly<Record<string, unknown>>,
  artifact: AttestedArtifact | undefined,
  field: string,
): string | undefined {
  const { uri, digest } = evidence;
  if (uri === undefined && digest === undefined) {
    return (
      `${field} names neither the artifact it attests nor a report: free text and a result alone are not ` +
      "evidence; set evidence.uri to the report's https:// URL or evidence.digest to the artifact's digest."
    );
  }
  if (uri !== undefined && (typeof uri !== "string" || !isHttpsUrl(uri))) {
    return (
      `${field}.uri ${quoted(uri)} is not an https:// URL; link the report as https://host/path (no ` +
      "credentials, no spaces)."
    );
  }
  if (digest === undefined) return undefined;
  if (artifact === undefined) {
    return (
      `${field}.digest ${quoted(digest)} attests nothing here: this task is bound to no artifact; link the ` +
      "report in evidence.uri (https://...) instead."
    );
  }
  if (typeof digest === "string" && (digest === artifact.commit || artifact.digests.includes(digest))) {
    return undefined;
  }
  return (
    `${field}.digest ${quoted(digest)} is evidence for another artifact: this task attests ` +
    `${describeArtifact(artifact)}; attach evidence for that artifact, or link the report in evidence.uri.`
  );
}
