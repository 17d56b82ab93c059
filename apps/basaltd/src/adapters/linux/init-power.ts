import { readdirSync, readFileSync } from "node:fs";
import { orphansToReap, zombieChildOfInit } from "../../init/reaper.ts";
import { ownChildren } from "./child-registry.ts";
import { MNT_DETACH, RB, syscalls } from "./syscalls.ts";

/**
 * The end of a Basalt node's life cycle as PID 1: sync, unmount STATE (lazily if something still
 * holds it, after a second sync), then reboot(2). Services are stopped by the caller first.
 */
export async function powerAction(action: "reboot" | "poweroff"): Promise<never> {
  const sys = await syscalls();
  sys.sync();
  try {
    sys.umount("/var");
  } catch {
    sys.umount("/var", MNT_DETACH);
    sys.sync();
  }
  sys.reboot(action === "reboot" ? RB.AUTOBOOT : RB.POWER_OFF);
  // reboot(2) does not return on success.
  throw new Error("reboot(2) returned");
}

/** Log, sync and reboot: PID 1 must never exit (the kernel would panic and hang without panic=). */
export async function fatalReboot(message: string, delayMs = 5000): Promise<never> {
  process.stdout.write(`basaltd: FATAL: ${message}\nbasaltd: rebooting in ${delayMs / 1000} s\n`);
  await new Promise((r) => setTimeout(r, delayMs));
  const sys = await syscalls();
  sys.sync();
  sys.reboot(RB.AUTOBOOT);
  throw new Error("reboot(2) returned");
}

/** Every `intervalMs`, reaps orphaned zombies re-parented to PID 1 (see init/reaper.ts). */
export function startReaper(intervalMs = 5000): () => void {
  let lastScan = new Set<number>();
  const scan = async () => {
    const zombies: number[] = [];
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const pid = zombieChildOfInit(readFileSync(`/proc/${name}/stat`, "utf8"));
        if (pid !== undefined) zombies.push(pid);
      } catch {
        // exited between listing and reading
      }
    }
    const sys = await syscalls();
    for (const pid of orphansToReap(zombies, ownChildren(), lastScan)) {
      try {
        sys.waitpidNoHang(pid);
      } catch {
        // already reaped
      }
    }
    lastScan = new Set(zombies);
  };
  const timer = setInterval(() => void scan(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
