import type https from "node:https";
import { KubeClient } from "../runtime/kube/client.js";
import type { KubeCredentials } from "../runtime/kube/kube-credentials.js";

/**
 * Credentials that reach the same API server as `server` (its URL, CA, TLS server name and verification setting)
 * but authenticate only with the user's bearer token: the dashboard's own client certificate, token, basic auth and
 * impersonation headers are never copied, so every request is the user's own and RBAC, admission and separation of
 * duties judge the user, not the dashboard.
 */
export function bearerCredentials(server: KubeCredentials, token: string): KubeCredentials {
  return {
    getCurrentCluster: () => server.getCurrentCluster(),
    async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
      const own: https.RequestOptions = {};
      await server.applyToHTTPSOptions(own);
      if (own.ca !== undefined) opts.ca = own.ca;
      if (own.servername !== undefined) opts.servername = own.servername;
      if (own.rejectUnauthorized !== undefined) opts.rejectUnauthorized = own.rejectUnauthorized;
      opts.headers = { Authorization: `Bearer ${token}` };
    },
  };
}

/** A client that acts as the signed-in user: every read, watch and write with the user's own token. */
export function userClient(server: KubeCredentials, token: string): KubeClient {
  return KubeClient.fromKubeConfig(bearerCredentials(server, token));
}
