import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
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

/** The name of the file, beside the operator's roles, of the roles for the certificate the operator manages. */
export const CERTIFICATE_ROLE_FILE_NAME = "webhook-certificate-role.yaml";

/** A shipped role by name, with its rules. */
export interface ShippedRole {
  name: string;
  rules: PolicyRule[];
}

/** The shipped ClusterRole (bound cluster-wide) and the Role (bound in the operator's namespace, for its Lease). */
export interface ShippedOperatorRoles {
  file: string;
  /** How messages name the file: config/rbac/operator-role.yaml for this build's own, else the path given. */
  label: string;
  clusterRole: ShippedRole;
  role: ShippedRole | undefined;
  /**
   * The file's other Roles, bound in the operator's namespace for optional features (the audit checkpoints, bound
   * and used only with `--audit-signing-key-file`): what they grant is shipped, not required.
   */
  optionalRoles: ShippedRole[];
  /**
   * The roles of the certificate the operator manages itself (config/rbac/webhook-certificate-role.yaml, beside the
   * file above): bound only with `--cert-source=operator` (the chart's default), so what they grant is shipped but
   * not required. Undefined when there is no such file.
   */
  certificate?: { file: string; clusterRole: ShippedRole | undefined; role: ShippedRole | undefined };
}

/** A shipped roles file that cannot be read or holds no ClusterRole. */
export class ShippedRolesError extends Error {
  override readonly name = "ShippedRolesError";
}

type RoleDocument = z.infer<typeof RoleDocument>;

function rolesIn(text: string): RoleDocument[] {
  const documents = parseAllDocuments(text).map((doc) => RoleDocument.safeParse(doc.toJS()));
  return documents.flatMap((parsed) => (parsed.success ? [parsed.data] : []));
}

const named = (role: RoleDocument | undefined): ShippedRole | undefined =>
  role === undefined ? undefined : { name: role.metadata.name, rules: role.rules };

/** The certificate roles in `file`, or undefined when there is no such file. */
async function readCertificateRoles(file: string): Promise<ShippedOperatorRoles["certificate"]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ShippedRolesError(
      `cannot read the shipped certificate roles ${file} (${(err as Error).message}).`,
    );
  }
  const roles = rolesIn(text);
  return {
    file,
    clusterRole: named(roles.find((r) => r.kind === "ClusterRole")),
    role: named(roles.find((r) => r.kind === "Role")),
  };
}

/**
 * Reads the operator's ClusterRole and Role from `file` (the YAML of config/rbac/operator-role.yaml), and the roles
 * of the certificate it manages from webhook-certificate-role.yaml beside it, if there is one. The Roles' own
 * namespace is ignored: they are bound in whatever namespace the operator runs in.
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
  const roles = rolesIn(text);
  const clusterRole = named(roles.find((r) => r.kind === "ClusterRole"));
  if (clusterRole === undefined) {
    throw new ShippedRolesError(
      `${file} holds no ClusterRole: pass --operator-role with the operator's roles.`,
    );
  }
  const certificate = await readCertificateRoles(join(dirname(file), CERTIFICATE_ROLE_FILE_NAME));
  // The first Role is the one every operator needs (its Lease); any after it serve optional features.
  const namespaced = roles.filter((r) => r.kind === "Role");
  return {
    file,
    label: file === SHIPPED_OPERATOR_ROLE_FILE ? "config/rbac/operator-role.yaml" : file,
    clusterRole,
    role: named(namespaced[0]),
    optionalRoles: namespaced.slice(1).flatMap((r) => named(r) ?? []),
    ...(certificate === undefined ? {} : { certificate }),
  };
}
