// Crash safety of promotion with the PostgreSQL audit store: every lifetime is a new process that knows nothing of
// what earlier ones recorded (as a new leader), so only the table keeps facts once. See
// tests/support/crash-safety-suite.ts.
import { describeCrashSafety } from "../../support/crash-safety-suite.js";

describeCrashSafety("postgres");
