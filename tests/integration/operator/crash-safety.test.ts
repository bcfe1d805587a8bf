// Crash safety of promotion with the file audit trail (the embedded default): see tests/support/crash-safety-suite.ts.
import { describeCrashSafety } from "../../support/crash-safety-suite.js";

describeCrashSafety("file");
