import { z } from "zod";
import { EnvironmentSpec, environmentKind } from "../api/v1alpha1/environment.js";
import { ObjectMeta } from "../api/v1alpha1/meta.js";
import { resourceOf } from "../api/v1alpha1/resource-type.js";
import type { EnvironmentRoles as RoleBindings } from "../policy/task-ownership.js";
import {
  teamRoleBindingKind,
  teamRoleBindingSpecs,
  type TeamRoleBindingSpec,
} from "../api/v1alpha1/team-role-binding.js";
import { describeApiError } from "../cli/errors.js";
import { namespaceTeams } from "../cli/namespace-teams.js";
import { ApiError, isForbidden, isNotFound } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";

const EnvironmentRoles = z.looseObject({ metadata: ObjectMeta, spec: EnvironmentSpec });

/**
 * Who holds each coordination role, by Environment name (environment-wide and per team), and what could not be read
 * (in words for the page).
 */
export interface EnvironmentRoleMap {
  roles: Map<string, RoleBindings>;
  /** Every TeamRoleBinding the user may list (none when refused: a notice says so). */
  teams: TeamRoleBindingSpec[];
  /** The `stagegate.io/team` label of the namespaces asked about, where the user may read it. */
  namespaceTeams: Map<string, string | undefined>;
  notices: string[];
}

/**
 * Reads the coordination roles of every Environment and TeamRoleBinding the signed-in user may list, and the team
 * label of `namespaces`, with the user's own client (as `stagegate tasks --mine` does). A refused or failed read is a notice naming what is not shown, and the roles count
 * for nobody: a task is never shown as shared on the strength of a role nobody could read.
 */
export async function environmentRoles(
  client: KubeClient,
  namespaces: Iterable<string> = [],
): Promise<EnvironmentRoleMap> {
  const roles = new Map<string, RoleBindings>();
  const notices: string[] = [];
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
    notices.push(refusedNotice(error, "list Environments"));
    roles.clear();
  }
  const teams = await teamRoleBindings(client, notices);
  const labelled = await namespaceTeams(client, teams, namespaces);
  if (labelled.refused.length > 0) {
    notices.push(
      `You may not get the Namespace${labelled.refused.length === 1 ? "" : "s"} ${labelled.refused.sort().join(", ")}: ` +
        "tasks there shared with you by a TeamRoleBinding that applies through the namespace's stagegate.io/team " +
        "label are not shown.",
    );
  }
  return { roles, teams, namespaceTeams: labelled.teams, notices };
}

function refusedNotice(
  error: ApiError,
  what: string,
  consequence = "Tasks shared with you through a coordination role are not shown.",
): string {
  const fix = isForbidden(error)
    ? " To see them, ask a cluster administrator to bind the ClusterRole stagegate-environment-viewer to you."
    : "";
  return `${describeApiError(error, what)} ${consequence}${fix}`;
}

/** Every TeamRoleBinding the user may list; a refusal is a notice and the bindings count for nobody. */
async function teamRoleBindings(client: KubeClient, notices: string[]): Promise<TeamRoleBindingSpec[]> {
  try {
    return teamRoleBindingSpecs((await client.list(resourceOf(teamRoleBindingKind))).items);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (!isNotFound(error)) {
      notices.push(
        refusedNotice(
          error,
          "list TeamRoleBindings",
          "Tasks shared with you through a role a TeamRoleBinding gives you are not shown.",
        ),
      );
    }
    return [];
  }
}
