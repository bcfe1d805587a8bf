// Plays the demo's story: independent tracks of steps, each step in turn once it is due and what it waits
// for is true, with `kubectl get stagegate -A` printed whenever it changes.
import { setTimeout as sleep } from "node:timers/promises";
import type { StoryStep } from "./story.js";

/** What playing the story needs. */
export interface PlayOptions {
  /** Each track is a sequence: a step runs only after the one before it in its track. */
  tracks: StoryStep[][];
  /** Reads the table printed between the steps. */
  table: () => Promise<string>;
  /** Said once every track is done. */
  ending: string;
  /** How long a step waits for its condition before its track is given up. */
  waitSeconds: number;
  /** Aborted when the demo tears down: nothing more is told. */
  signal: AbortSignal;
}

const TICK_MS = 1_000;
const TABLE_EVERY_MS = 4_000;

/** The table without its AGE column (the last of each block): a table that only aged is not new. */
function withoutAges(table: string): string {
  return table
    .split("\n")
    .map((line) => line.replace(/\s+\S+\s*$/, ""))
    .join("\n");
}

async function ready(step: StoryStep): Promise<boolean> {
  try {
    return step.when === undefined || (await step.when.check());
  } catch {
    // A failed read is a "not yet": the bounded wait below gives up on it eventually.
    return false;
  }
}

/** Plays the tracks until every one is done or given up, then keeps printing the table until aborted. */
export async function playStory(options: PlayOptions): Promise<void> {
  const { signal } = options;
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const tracks = options.tracks.map((steps) => [...steps]);
  const waitingSince = new Map<StoryStep, number>();
  let lastTable = "";
  let lastTableAt = 0;
  let ended = false;
  while (!signal.aborted) {
    for (const track of tracks) {
      const step = track[0];
      if (step === undefined || step.atSeconds > elapsed()) continue;
      if (await ready(step)) {
        track.shift();
        const said = await step.run().catch((err: unknown) => `!!! It failed: ${(err as Error).message}`);
        if (signal.aborted) return;
        console.log(`\n>>> [${Math.round(elapsed())} s] ${step.say}\n${said.trim()}\n`);
        continue;
      }
      const since = waitingSince.get(step) ?? elapsed();
      waitingSince.set(step, since);
      if (elapsed() - since > options.waitSeconds) {
        track.length = 0;
        console.log(
          `\n!!! [${Math.round(elapsed())} s] Waited ${options.waitSeconds} s for ${step.when?.what ?? "a step"}; ` +
            "that part of the story stops here (the operator's log says why).\n",
        );
      }
    }
    if (!ended && tracks.every((t) => t.length === 0)) {
      ended = true;
      console.log(`\n>>> [${Math.round(elapsed())} s] ${options.ending}\n`);
    }
    if (Date.now() - lastTableAt >= TABLE_EVERY_MS) {
      lastTableAt = Date.now();
      const table = await options.table();
      if (signal.aborted) return;
      if (withoutAges(table) !== withoutAges(lastTable)) {
        lastTable = table;
        console.log(
          `\n--- kubectl get stagegate -A   (${Math.round(elapsed())} s; printed when it changes)\n${table}`,
        );
      }
    }
    await sleep(TICK_MS, undefined, { signal }).catch((err: unknown) => {
      if (!signal.aborted) throw err;
    });
  }
}
