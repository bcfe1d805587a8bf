import https from "node:https";
import { z } from "zod";
import { StoredAuditEntry } from "../audit/entry.js";
import type { ExportedEntry } from "../audit/export/sources.js";

/** Where the operator's audit feed answers, and the CA its serving certificate is signed by. */
export interface FeedEndpoint {
  /** `https://HOST:PORT`, without a path. */
  url: string;
  /** PEM; the system's CAs when absent. */
  caPem: string | undefined;
}

/** The feed refused or failed a request: its HTTP status and its message, in words. */
export class FeedError extends Error {
  override readonly name = "FeedError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A page as the feed answers it (its OpenAPI `Page`). */
const FeedPage = z.object({
  source: z.string(),
  items: z.array(z.object({ verified: z.boolean(), entry: StoredAuditEntry })),
  nextCursor: z.string(),
  more: z.boolean(),
  chain: z.object({
    intact: z.boolean(),
    verifiedThrough: z.number().int().min(0),
    firstBad: z
      .object({ line: z.number(), seq: z.number().optional(), problem: z.string(), message: z.string() })
      .optional(),
  }),
});
export type FeedPage = z.infer<typeof FeedPage>;

const Problem = z.looseObject({ error: z.string(), message: z.string() });

/** What the feed says about the chain, from the last page read. */
export type FeedChain = FeedPage["chain"];

/** Entries read from the feed as the user, with the feed's verification of the chain. */
export interface FeedRead {
  source: string;
  items: ExportedEntry[];
  chain: FeedChain;
  /** True when the read stopped at {@link MAX_FEED_ENTRIES}: the record holds more than was read. */
  truncated: boolean;
}

/** The most entries one page of the dashboard reads from the feed. */
export const MAX_FEED_ENTRIES = 50_000;

function get(endpoint: FeedEndpoint, token: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, endpoint.url),
      {
        method: "GET",
        ...(endpoint.caPem === undefined ? {} : { ca: endpoint.caPem }),
        timeout: 15_000,
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("the audit feed did not answer within 15 s")));
    req.on("error", reject);
    req.end();
  });
}

/** Reads one page of the feed as the holder of `token`; a refusal or failure is a {@link FeedError} in the feed's words. */
export async function readFeedPage(
  endpoint: FeedEndpoint,
  token: string,
  query: URLSearchParams,
): Promise<FeedPage> {
  let answer;
  try {
    answer = await get(endpoint, token, `/audit/v1/records?${query.toString()}`);
  } catch (error) {
    throw new FeedError(503, `The audit feed could not be reached: ${(error as Error).message}.`);
  }
  if (answer.status !== 200) {
    let problem: string;
    try {
      problem = Problem.parse(JSON.parse(answer.body)).message;
    } catch {
      problem = "it sent no explanation";
    }
    throw new FeedError(answer.status, `The audit feed answered ${answer.status}: ${problem}.`);
  }
  const parsed = FeedPage.safeParse(JSON.parse(answer.body));
  if (!parsed.success) throw new FeedError(502, "The audit feed sent a page this dashboard cannot read.");
  return parsed.data;
}
