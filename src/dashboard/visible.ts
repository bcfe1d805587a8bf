import type { z } from "zod";
import { ApiError, isForbidden } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { ResourceType } from "../runtime/kube/resource.js";
import { describeApiError } from "../cli/errors.js";

/** Where one list was read: a namespace, or every namespace (undefined), and the list's resourceVersion. */
export interface ReadScope {
  namespace: string | undefined;
  resourceVersion: string;
}

/** What a user may see of one kind: the objects, the scopes they came from, and what could not be read, in words. */
export interface VisibleObjects<T> {
  items: T[];
  scopes: ReadScope[];
  notices: string[];
}

/** How to look: the namespaces the page names, else the configured ones when cluster-wide listing is refused. */
export interface VisibleQuery {
  namespaces: readonly string[];
  fallbackNamespaces: readonly string[];
  labelSelector: string;
}

async function listScope<T extends z.ZodType>(
  client: KubeClient,
  rt: ResourceType,
  schema: T,
  namespace: string | undefined,
  labelSelector: string,
): Promise<{ items: z.infer<T>[]; resourceVersion: string }> {
  const items: z.infer<T>[] = [];
  let token: string | undefined;
  let resourceVersion: string;
  do {
    const page = await client.list(rt, {
      namespace,
      labelSelector: labelSelector === "" ? undefined : labelSelector,
      limit: 500,
      continue: token,
    });
    for (const item of page.items) {
      const parsed = schema.safeParse(item);
      if (parsed.success) items.push(parsed.data);
    }
    resourceVersion = page.resourceVersion;
    token = page.continue;
  } while (token !== undefined);
  return { items, resourceVersion };
}

/**
 * Lists `rt` as the user (their client): in every namespace when the page names none and RBAC lets them, else in
 * the page's namespaces (or the configured ones). A namespace the API server refuses becomes a notice quoting its
 * answer, never a silent gap; any other API failure (a 401 above all) is thrown.
 */
export async function listVisible<T extends z.ZodType>(
  client: KubeClient,
  rt: ResourceType,
  schema: T,
  query: VisibleQuery,
): Promise<VisibleObjects<z.infer<T>>> {
  const notices: string[] = [];
  let namespaces = query.namespaces;
  if (namespaces.length === 0) {
    try {
      const all = await listScope(client, rt, schema, undefined, query.labelSelector);
      return {
        items: all.items,
        scopes: [{ namespace: undefined, resourceVersion: all.resourceVersion }],
        notices,
      };
    } catch (error) {
      if (!(error instanceof ApiError) || !isForbidden(error)) throw error;
      namespaces = query.fallbackNamespaces;
      notices.push(
        namespaces.length === 0
          ? `You may not list ${rt.plural} in every namespace; name the namespaces you work in with ?namespace=NAME.`
          : `You may not list ${rt.plural} in every namespace; showing the namespaces ${namespaces.join(", ")}.`,
      );
    }
  }
  const items: z.infer<T>[] = [];
  const scopes: ReadScope[] = [];
  for (const namespace of namespaces) {
    try {
      const found = await listScope(client, rt, schema, namespace, query.labelSelector);
      items.push(...found.items);
      scopes.push({ namespace, resourceVersion: found.resourceVersion });
    } catch (error) {
      // A 401 is not about this namespace: the token is no longer accepted, and the session must end.
      if (!(error instanceof ApiError) || error.status === 401) throw error;
      notices.push(describeApiError(error, `list ${rt.plural} in namespace "${namespace}"`));
    }
  }
  return { items, scopes, notices };
}
