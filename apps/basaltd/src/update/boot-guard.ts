import { setTimeout as sleep } from "node:timers/promises";
import { assessBoot, type BootAction } from "./boot-assessment.ts";
import { readSlotEntries } from "./slot-entries.ts";
import type { UpdateSystem } from "./update-system.ts";

export interface HealthVerdict {
  healthy: boolean;
  reason: string;
}

export interface BootGuardDeps {
  update: UpdateSystem;
  health(): HealthVerdict;
  deadlineMs: number;
  pollMs?: number;
  reboot(why: string): void;
  report(message: string): void;
}

/**
 * After boot: a version still on probation (its entry counts tries) must become healthy within the
 * deadline, or the node reboots and systemd-boot spends one of its tries; once healthy, the entry is
 * blessed. Versions whose tries ran out (we are the fallback) are reported and their entries removed.
 */
export async function guardBoot(deps: BootGuardDeps): Promise<"blessed" | "already-good" | "rebooting"> {
  const { update } = deps;
  const bootCountPath = await update.bootCountPath();
  const started = Date.now();
  let verdict = deps.health();
  if (bootCountPath) {
    deps.report(
      `on probation (${bootCountPath}): waiting up to ${Math.round(deps.deadlineMs / 1000)} s for health`,
    );
    while (!verdict.healthy && Date.now() - started < deps.deadlineMs) {
      await sleep(deps.pollMs ?? 2000);
      verdict = deps.health();
    }
    if (!verdict.healthy) {
      deps.report(
        `not healthy within the deadline (${verdict.reason}): rebooting to let the boot loader fall back`,
      );
      deps.reboot(`${update.booted.version} unhealthy: ${verdict.reason}`);
      return "rebooting";
    }
  }
  const actions = assessBoot({
    entries: await readSlotEntries(update.esp),
    booted: update.booted,
    bootCountPath,
    state: await update.state.load(),
  });
  await apply(update, actions, deps.report);
  return bootCountPath ? "blessed" : "already-good";
}

async function apply(
  update: UpdateSystem,
  actions: BootAction[],
  report: (m: string) => void,
): Promise<void> {
  const state = await update.state.load();
  for (const a of actions) {
    if (a.kind === "bless") await update.esp.rename(a.from, a.to);
    if (a.kind === "remove") await update.esp.remove(a.file);
    if (a.kind === "record-failure") {
      state.failedAttempts.push({
        version: a.version,
        tries: a.tries,
        detected: new Date().toISOString(),
        reason: a.reason,
      });
      state.failedAttempts = state.failedAttempts.slice(-20);
    }
    report(a.reason);
  }
  await update.state.save(state);
}
