// The heap another Node process uses after a full garbage collection, read through its inspector (the Chrome
// DevTools Protocol over a WebSocket). Only a benchmark starts the operator with `--inspect=127.0.0.1:0`: the product
// has no GC endpoint and no flag for this. A session is opened for one reading and closed after it, so no debugger
// is attached between readings.
import { z } from "zod";

/** What Node prints on stderr when its inspector listens (`--inspect=127.0.0.1:0` picks a free port). */
const LISTENING = /^Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+)\s*$/m;

/** How long one inspector call may take: a full GC of a large heap on a busy machine takes seconds, not minutes. */
const CALL_TIMEOUT_MS = 120_000;

/** The expression whose value is the reading: V8's used heap, as prom-client's `nodejs_heap_size_used_bytes`. */
const HEAP_USED = "process.memoryUsage().heapUsed";

/** A reading that could not be taken: the session failed, or the process answered something unexpected. */
export class InspectorError extends Error {
  override readonly name = "InspectorError";
}

/** The inspector's WebSocket URL from a process's stderr (or a log it shares), or undefined before Node printed it. */
export function inspectorUrl(stderr: string): string | undefined {
  return LISTENING.exec(stderr)?.[1];
}

const Reply = z.object({
  id: z.number().int(),
  result: z.unknown().optional(),
  error: z.object({ code: z.number(), message: z.string() }).optional(),
});

/**
 * One message from the inspector: a reply to a call (its result, or the refusal, naming the method) or an event
 * (no id; none is asked for here).
 */
export type InspectorMessage =
  { id: number; result: unknown } | { id: number; refused: InspectorError } | { event: true };

/** Parses one text frame from the inspector; throws on a frame that is no message of the protocol. */
export function parseInspectorMessage(text: string, methodOf: (id: number) => string): InspectorMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InspectorError(`The inspector sent a frame that is not JSON: ${text.slice(0, 200)}`);
  }
  if (typeof json === "object" && json !== null && !("id" in json)) return { event: true };
  const reply = Reply.safeParse(json);
  if (!reply.success)
    throw new InspectorError(`The inspector sent a reply of an unexpected shape: ${text.slice(0, 200)}`);
  const { id, result, error } = reply.data;
  if (error !== undefined)
    return {
      id,
      refused: new InspectorError(
        `The inspector refused ${methodOf(id)}: ${error.message} (code ${error.code}).`,
      ),
    };
  return { id, result };
}

const Evaluated = z.object({
  result: z.object({ type: z.string(), value: z.unknown().optional(), description: z.string().optional() }),
  exceptionDetails: z.object({ text: z.string() }).optional(),
});

/** The number a `Runtime.evaluate` with `returnByValue` answered; throws when it threw or is not a byte count. */
export function evaluatedBytes(result: unknown, expression: string): number {
  const parsed = Evaluated.safeParse(result);
  if (!parsed.success)
    throw new InspectorError(`Runtime.evaluate of ${expression} answered an unexpected shape.`);
  const { result: value, exceptionDetails } = parsed.data;
  if (exceptionDetails !== undefined)
    throw new InspectorError(`Evaluating ${expression} threw: ${value.description ?? exceptionDetails.text}`);
  if (value.type !== "number" || typeof value.value !== "number" || !(value.value >= 0))
    throw new InspectorError(
      `Evaluating ${expression} gave ${value.type} ${String(value.value)}, not a byte count.`,
    );
  return value.value;
}

interface PendingCall {
  readonly method: string;
  readonly resolve: (result: unknown) => void;
  readonly reject: (err: Error) => void;
}

/** One DevTools Protocol session: calls answered by id, closed by its owner. */
export class InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private failure: Error | undefined;
  private readonly closed: Promise<void>;

  private constructor(private readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.addEventListener("close", () => resolve()));
    socket.addEventListener("message", (event: MessageEvent) => this.receive(event.data));
    socket.addEventListener("close", () =>
      this.fail(new InspectorError("The inspector closed the session.")),
    );
  }

  /** Opens a session on `url` (ws://127.0.0.1:PORT/ID), or throws why it could not. */
  static async connect(url: string): Promise<InspectorSession> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new InspectorError(`Could not connect to ${url}.`)), {
        once: true,
      });
    });
    return new InspectorSession(socket);
  }

  /** Sends `method` and waits for its reply's `result`. */
  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.settle(id, { error: new InspectorError(`${method} had no reply in ${CALL_TIMEOUT_MS} ms.`) }),
        CALL_TIMEOUT_MS,
      );
      const done = (): void => clearTimeout(timer);
      this.pending.set(id, {
        method,
        resolve: (result) => (done(), resolve(result)),
        reject: (err) => (done(), reject(err)),
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Closes the session and waits until the socket is closed: the process runs with no debugger attached again. */
  async close(): Promise<void> {
    this.socket.close();
    await this.closed;
  }

  private receive(data: unknown): void {
    try {
      if (typeof data !== "string") throw new InspectorError("The inspector sent a binary frame.");
      const message = parseInspectorMessage(data, (id) => this.pending.get(id)?.method ?? `call ${id}`);
      if ("refused" in message) this.settle(message.id, { error: message.refused });
      else if ("result" in message) this.settle(message.id, { result: message.result });
    } catch (err) {
      // A frame that is no protocol message: nothing said in this session can be trusted any more.
      this.fail(err instanceof Error ? err : new InspectorError(String(err)));
      this.socket.close();
    }
  }

  private settle(id: number, outcome: { result: unknown } | { error: Error }): void {
    const call = this.pending.get(id);
    if (call === undefined) return;
    this.pending.delete(id);
    if ("error" in outcome) call.reject(outcome.error);
    else call.resolve(outcome.result);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const id of [...this.pending.keys()]) this.settle(id, { error: err });
  }
}

/**
 * Forces two full garbage collections in the process whose inspector listens at `url` (the second collects what
 * the first left to finalizers and weak callbacks), then reads its used heap; the session is closed before this
 * returns, whatever happened.
 */
export async function heapUsedAfterGc(url: string): Promise<number> {
  const session = await InspectorSession.connect(url);
  try {
    await session.call("HeapProfiler.collectGarbage");
    await session.call("HeapProfiler.collectGarbage");
    return evaluatedBytes(
      await session.call("Runtime.evaluate", { expression: HEAP_USED, returnByValue: true }),
      HEAP_USED,
    );
  } finally {
    await session.close();
  }
}
