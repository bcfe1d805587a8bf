import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { PolicyRule } from "./rbac-rules.js";

/**
 * The operator's roles as this build ships them. Read from the file at run time rather than copied into code, so
 * there is one source of truth; this path is the one place that knows where it lives in a checkout or an image.
 */
export const SHIPPED_OPERATOR_ROLE_FILE = fileURLToPath(
  new URL("../../../config/rbac/operator-role.yaml", import.meta.url),
);

const RoleDocument = z.looseObject({
  kind: z.string(),
  metadata: z.looseObject({ name: z.string() }),
  rules: z.array(PolicyRule).default([]),
});

/** The shipped ClusterRole (bound cluster-wide) and the Role (bound in the operator's namespace, for its Lease). */
export interface ShippedOperatorRoles {
  file: string;
  /** How messages name the file: config/rbac/operator-role.yaml for this build's own, else the path given. */
  label: string;
  clusterRole: { name: string; rules: PolicyRule[] };
  role: { name: string; rules: PolicyRule[] } | undefined;
}

/** A shipped roles file that cannot be read or holds no ClusterRole. */
export class ShippedRolesError extends Error {
  override readonly name = "ShippedRolesError";
}

/**
 * Reads the operator's ClusterRole and Role from `file` (the YAML of config/rbac/operator-role.yaml). The Role's own
 * namespace is ignored: it is bound in whatever namespace the operator runs in.
 */
export async function readShippedOperatorRoles(file: string): Promise<ShippedOperatorRoles> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ShippedRolesError(
      `cannot read the shipped operator roles ${file} (${(err as Error).message}): pass --operator-role FILE.`,
    );
  }
  const documents = parseAllDocuments(text).map((doc) => RoleDocument.safeParse(doc.toJS()));
  const roles = documents.flatMap((parsed) => (parsed.success ? [parsed.data] : []));
  const clusterRole = roles.find((r) => r.kind === "ClusterRole");
  const role = roles.find((r) => r.kind === "Role");
  if (clusterRole === undefined) {
    throw new ShippedRolesError(
      `${file} holds no ClusterRole: pass --operator-role with the operator's roles.`,
    );
  }
  return {
    file,
    label: file === SHIPPED_OPERATOR_ROLE_FILE ? "config/rbac/operator-role.yaml" : file,
    clusterRole: { name: clusterRole.metadata.name, rules: clusterRole.rules },
    role: role === undefined ? undefined : { name: role.metadata.name, rules: role.rules },
  };
}
