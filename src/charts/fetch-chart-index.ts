import { readFile } from "node:fs/promises";
import { ChartIndexError, parseChartIndex, type ChartIndex } from "./chart-index.js";

/** The largest index.yaml the operator reads (large public repositories list thousands of versions). */
export const MAX_INDEX_BYTES = 20 * 1024 * 1024;
/** How long one read of an index may take, redirects included. */
export const INDEX_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 3;

/** Where to read a chart repository's index, and what the operator may read. */
export interface ChartIndexQuery {
  /** The repository URL (a HelmRepository's spec.url), http or https. */
  repositoryURL: string;
  /** Whether the operator may fetch a URL (its allowedRepositories); asked again of every redirect. */
  allowed: (url: string) => boolean;
  /** A git-credential-store file (`https://user:token@host` per line): basic auth for a line of the same origin. */
  credentialsFile?: string | undefined;
  signal?: AbortSignal | undefined;
  maxBytes?: number | undefined;
  timeoutMs?: number | undefined;
}

/**
 * The `Authorization` header for `url` from a git-credential-store file: basic auth from the line whose protocol,
 * host and port are the URL's; undefined when no line is (credentials are never sent to another origin).
 */
export function basicAuthFor(credentials: string, url: URL): string | undefined {
  for (const line of credentials.split("\n")) {
    let entry: URL;
    try {
      entry = new URL(line.trim());
    } catch {
      continue;
    }
    if (entry.origin !== url.origin || entry.username === "") continue;
    const user = decodeURIComponent(entry.username);
    const password = decodeURIComponent(entry.password);
    return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  }
  return undefined;
}

/** The repository's index.yaml address: `<url>/index.yaml`. */
export function indexURL(repositoryURL: string): URL {
  const url = new URL(repositoryURL);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ChartIndexError(`${repositoryURL} is not an http or https chart repository`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/index.yaml`;
  return url;
}

/** Reads a response body up to `max` bytes; fails once it is larger. */
async function boundedText(response: Response, max: number, source: string): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  const tooLarge = (): ChartIndexError =>
    new ChartIndexError(`${source} is larger than ${max} bytes, more than the operator reads`);
  if (declared > max) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body !== null) {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      // Leaving the loop cancels the stream: nothing more is read.
      if (size > max) throw tooLarge();
      chunks.push(chunk);
    }
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
}

/**
 * Reads and parses a chart repository's `index.yaml` from the repository itself, over http or https, within
 * `maxBytes` (20 MiB) and `timeoutMs` (30 s). Redirects are followed only to URLs the operator may fetch, at most
 * three. Fails with a {@link ChartIndexError} saying why.
 */
export async function fetchChartIndex(query: ChartIndexQuery): Promise<ChartIndex> {
  const timeout = AbortSignal.timeout(query.timeoutMs ?? INDEX_TIMEOUT_MS);
  const signal = query.signal === undefined ? timeout : AbortSignal.any([query.signal, timeout]);
  const credentials =
    query.credentialsFile === undefined ? "" : await readFile(query.credentialsFile, "utf8");
  let url = indexURL(query.repositoryURL);
  for (let redirects = 0; ; redirects++) {
    const auth = basicAuthFor(credentials, url);
    let response: Response;
    try {
      response = await fetch(url, {
        redirect: "manual",
        signal,
        headers: { accept: "application/x-yaml, text/yaml, */*", ...(auth === undefined ? {} : { authorization: auth }) },
      });
    } catch (err) {
      const why = timeout.aborted ? "timed out" : ((err as Error).cause as Error | undefined)?.message;
      throw new ChartIndexError(`could not read ${url.href}: ${why ?? (err as Error).message}`);
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      const next = new URL(location, url);
      if (redirects >= MAX_REDIRECTS) throw new ChartIndexError(`${url.href} redirects too often`);
      if ((next.protocol !== "https:" && next.protocol !== "http:") || !query.allowed(next.href)) {
        throw new ChartIndexError(
          `${url.href} redirects to ${next.href}, which is not among the operator's allowedRepositories`,
        );
      }
      url = next;
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new ChartIndexError(`${url.href} answered HTTP ${response.status}`);
    }
    const text = await boundedText(response, query.maxBytes ?? MAX_INDEX_BYTES, url.href);
    return parseChartIndex(text, url.href);
  }
}
