import { z } from "zod";
import { EnvironmentSpec, environmentKind } from "../api/v1alpha1/environment.js";
import { ObjectMeta } from "../api/v1alpha1/meta.js";
import { resourceOf } from "../api/v1alpha1/resource-type.js";
import type { EnvironmentRoles as RoleBindings } from "../policy/task-ownership.js";
import { describeApiError } from "../cli/errors.js";
import { ApiError, isForbidden } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";

const EnvironmentRoles = z.looseObject({ metadata: ObjectMeta, spec: EnvironmentSpec });

/**
 * Who holds each coordination role, by Environment name (environment-wide and per team), and what could not be read
 * (in words for the page).
 */
export interface EnvironmentRoleMap {
  roles: Map<string, RoleBindings>;
  notices: string[];
}

/**
 * Reads the coordination roles of every Environment the signed-in user may list, with the user's own client (as
 * `stagegate tasks --mine` does). A refused or failed read is a notice naming what is not shown, and the roles count
 * for nobody: a task is never shown as shared on the strength of a role nobody could read.
 */
export async function environmentRoles(client: KubeClient): Promise<EnvironmentRoleMap> {
  const roles = new Map<string, RoleBindings>();
  try {
    let token: string | undefined;
    do {
      const page = await client.list(resourceOf(environmentKind), { limit: 500, continue: token });
      for (const item of page.items) {
        const parsed = EnvironmentRoles.safeParse(item);
        if (parsed.success) {
          const { roles: bound, teamRoles } = parsed.data.spec;
          roles.set(parsed.data.metadata.name, { roles: bound, teamRoles });
        }
      }
      token = page.continue;
    } while (token !== undefined);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const fix = isForbidden(error)
      ? " To see them, ask a cluster administrator to bind the ClusterRole stagegate-environment-viewer to you."
      : "";
    return {
      roles: new Map(),
      notices: [
        `${describeApiError(error, "list Environments")} Tasks shared with you through a coordination role are not shown.${fix}`,
      ],
    };
  }
  return { roles, notices: [] };
}
