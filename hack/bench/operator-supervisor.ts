import { OperatorSampler, type OperatorSample } from "./operator-sampler.js";
import type { ScaleOperator } from "./scale-operator.js";

/** One time the operator exited on its own and was started again. */
export interface UnplannedRestart {
  /** ISO time of the exit. */
  readonly at: string;
  /** Exit code or signal, and the last warning or error it logged. */
  readonly why: string;
}

/**
 * Keeps one operator process running, as a Deployment's restart policy does: when the process exits on its own
 * (it exits by design when it loses its Lease, for one) a new one is started and the exit is counted, so a run
 * reports it instead of waiting forever. Samples of every process it ran are kept in one series.
 */
export class OperatorSupervisor {
  readonly restarts: UnplannedRestart[] = [];
  private readonly pastSamples: OperatorSample[] = [];
  private planned = false;
  private replacing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  private constructor(
    private readonly spawn: () => Promise<ScaleOperator>,
    private readonly log: (line: string) => void,
    public operator: ScaleOperator,
    private sampler: OperatorSampler,
  ) {}

  /** Starts the first process and watches it. */
  static async start(
    spawn: () => Promise<ScaleOperator>,
    log: (line: string) => void,
  ): Promise<OperatorSupervisor> {
    const operator = await spawn();
    const supervisor = new OperatorSupervisor(spawn, log, operator, new OperatorSampler(operator));
    supervisor.watch(operator);
    return supervisor;
  }

  /** Every sample so far, of every process, in time order. */
  samples(): readonly OperatorSample[] {
    return [...this.pastSamples, ...this.sampler.samples];
  }

  /** The error a replacement failed to start with, if one did. */
  get error(): Error | undefined {
    return this.failure;
  }

  private watch(operator: ScaleOperator): void {
    operator.process.child.once("exit", (code, signal) => {
      if (this.planned || operator !== this.operator) return;
      const last = operator.process
        .logs()
        .filter((line) => line.level === "warn" || line.level === "error")
        .at(-1);
      const detail =
        last === undefined
          ? ""
          : `: ${JSON.stringify(last.msg)} ${JSON.stringify(last.reason ?? last.err ?? "")}`;
      const why = `exit ${code ?? signal ?? "?"}${detail}`;
      this.restarts.push({ at: new Date().toISOString(), why });
      this.log(`The operator exited on its own (${why}); starting it again, as its Deployment would.`);
      this.replacing = this.replace().catch((err: unknown) => {
        this.failure = err as Error;
      });
    });
  }

  private async replace(): Promise<void> {
    this.pastSamples.push(...(await this.sampler.stop()));
    this.operator = await this.spawn();
    this.sampler = new OperatorSampler(this.operator);
    this.watch(this.operator);
  }

  /** Stops the process on purpose (no restart follows) and its sampler. */
  async stop(keepLogs: boolean): Promise<void> {
    this.planned = true;
    await this.replacing;
    this.pastSamples.push(...(await this.sampler.stop()));
    await this.operator.stop(keepLogs);
  }

  /** Starts a new process after {@link stop}, watched again; returns it. */
  async startAgain(): Promise<ScaleOperator> {
    this.operator = await this.spawn();
    this.sampler = new OperatorSampler(this.operator);
    this.planned = false;
    this.watch(this.operator);
    return this.operator;
  }
}
