import { join } from "node:path";
import pino, { type Logger } from "pino";
import { type LogTrouble, RotatingLog } from "./supervisor/rotating-log.ts";

/** JSON logs to stdout and to `<logs>/basaltd.log` (rotated like every service log), so `basaltctl logs basaltd` works. */
export function createLogger(
  logsDir: string,
  rotation: { maxBytes: number; keep: number; onTrouble?: (t: LogTrouble) => void },
  level = "info",
): Logger {
  const file = new RotatingLog(join(logsDir, "basaltd.log"), rotation);
  const streams = pino.multistream([
    { stream: process.stdout, level: level as pino.Level },
    { stream: { write: (s: string) => file.write(s) }, level: level as pino.Level },
  ]);
  return pino({ level, base: { daemon: "basaltd" }, timestamp: pino.stdTimeFunctions.isoTime }, streams);
}
