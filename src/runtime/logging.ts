import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

/**
 * Builds the process's JSON logger. Every line carries a level, time and message; controllers add
 * `controller`, `namespace`, `name` and `reconcileID` through child loggers.
 */
export function createLogger(level: LevelWithSilent = "info", destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** A logger that discards everything, for tests that do not read logs. */
export const silentLogger: Logger = pino({ level: "silent" });
