// kube-apiserver's own audit log, for tests that must know every request one identity made and how the server
// answered it (a 403 there is a request RBAC refused, whatever the client did with the answer).
import { readFile, writeFile } from "node:fs/promises";
import { stringify } from "yaml";

/** The fields of an audit.k8s.io/v1 Event the tests read. */
export interface AuditEvent {
  stage: string;
  verb: string;
  requestURI: string;
  userAgent?: string;
  user: { username: string; groups?: string[] };
  objectRef?: {
    apiGroup?: string;
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
  };
  responseStatus?: { code?: number; reason?: string; message?: string };
}

/**
 * Writes an audit Policy that records, at the Metadata level (who, what, the answer; never bodies), every request
 * of `users`, and nothing else.
 */
export async function writeAuditPolicy(file: string, users: readonly string[]): Promise<void> {
  await writeFile(
    file,
    stringify({
      apiVersion: "audit.k8s.io/v1",
      kind: "Policy",
      omitStages: ["RequestReceived"],
      rules: [{ level: "Metadata", users: [...users] }, { level: "None" }],
    }),
  );
}

/** The kube-apiserver flags that write the audit log of `policyFile` to `logFile` as JSON lines, unbuffered. */
export function auditFlags(policyFile: string, logFile: string): string[] {
  return [
    `--audit-policy-file=${policyFile}`,
    `--audit-log-path=${logFile}`,
    "--audit-log-format=json",
    "--audit-log-mode=blocking",
  ];
}

/** Every event of the audit log so far. */
export async function readAuditLog(logFile: string): Promise<AuditEvent[]> {
  const text = await readFile(logFile, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return "";
    throw err;
  });
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as AuditEvent);
}

/** `verb group/resource[/subresource]`, the way RBAC names what a request needed (`get /version` for URLs). */
export function permissionOf(event: AuditEvent): string {
  const ref = event.objectRef;
  if (ref?.resource === undefined) return `${event.verb} ${event.requestURI.split("?")[0] ?? ""}`;
  const resource = ref.subresource === undefined ? ref.resource : `${ref.resource}/${ref.subresource}`;
  return `${event.verb} ${ref.apiGroup ?? ""}/${resource}`;
}
