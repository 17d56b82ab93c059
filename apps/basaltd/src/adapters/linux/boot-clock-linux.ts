import { readFileSync } from "node:fs";
import type { EarlyBootTimes } from "../../boot-timeline/boot-timeline.ts";
import { decodeEfiString, loaderGuid } from "./update-system-linux.ts";

/** USER_HZ: /proc/<pid>/stat counts start times in these ticks on every Linux we run on. */
const clockTicksPerSecond = 100;

/**
 * A clock of ms since the kernel started: /proc/uptime read once (10 ms resolution), then the
 * monotonic performance clock from there. Read at basaltd's first line, before anything is served.
 */
export function bootClock(): () => number {
  const offset = uptimeMs() - performance.now();
  return () => performance.now() + offset;
}

/** Uptime in ms; the process's own age where there is no /proc (the imager's chroot runs `--version`). */
function uptimeMs(): number {
  try {
    return Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1000;
  } catch {
    return performance.now();
  }
}

/** When this process was exec'd, ms since the kernel started (field 22 of /proc/self/stat). */
export function processExecMs(): number {
  let stat: string;
  try {
    stat = readFileSync("/proc/self/stat", "utf8");
  } catch {
    return 0;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[19]) / clockTicksPerSecond) * 1000;
}

function efiMicroseconds(name: string): number | undefined {
  try {
    const value = Number(decodeEfiString(readFileSync(`/sys/firmware/efi/efivars/${name}-${loaderGuid}`)));
    return Number.isFinite(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** "12.34,15.67" as the initramfs hands it over in BASALT_INITRAMFS_UPTIMES. */
export function parseInitramfsUptimes(value: string | undefined): { start?: number; end?: number } {
  const [start, end] = (value ?? "").split(",").map(Number);
  return {
    ...(start !== undefined && Number.isFinite(start) && start > 0 ? { start } : {}),
    ...(end !== undefined && Number.isFinite(end) && end > 0 ? { end } : {}),
  };
}

/**
 * What firmware, loader and initramfs left: systemd-boot's EFI variables (readable once efivarfs is
 * mounted), the initramfs's uptimes from the environment, this process's exec time.
 */
export function earlyBootTimes(mainMs: number, env: NodeJS.ProcessEnv = process.env): EarlyBootTimes {
  const initramfs = parseInitramfsUptimes(env.BASALT_INITRAMFS_UPTIMES);
  const loaderInitUs = efiMicroseconds("LoaderTimeInitUSec");
  const loaderExecUs = efiMicroseconds("LoaderTimeExecUSec");
  return {
    ...(loaderInitUs !== undefined ? { loaderInitUs } : {}),
    ...(loaderExecUs !== undefined ? { loaderExecUs } : {}),
    ...(initramfs.start !== undefined ? { initramfsStartS: initramfs.start } : {}),
    ...(initramfs.end !== undefined ? { initramfsSwitchS: initramfs.end } : {}),
    execMs: processExecMs(),
    mainMs,
  };
}
