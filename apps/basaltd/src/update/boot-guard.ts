import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { toBasaltError } from "@basalt/machinery";
import { assessBoot, type BootAction } from "./boot-assessment.ts";
import { readSlotEntries } from "./slot-entries.ts";
import type { UpdateSystem } from "./update-system.ts";
import type { UpgradeState } from "./upgrade-state.ts";

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
  // A monotonic clock: the wall clock may jump (NTP, an RTC that was wrong) while we wait.
  const started = performance.now();
  let verdict = deps.health();
  if (bootCountPath) {
    deps.report(
      `on probation (${bootCountPath}): waiting up to ${Math.round(deps.deadlineMs / 1000)} s for health`,
    );
    while (!verdict.healthy && performance.now() - started < deps.deadlineMs) {
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
  let state: UpgradeState | undefined;
  try {
    state = await update.state.load();
  } catch (err) {
    // Never taken as empty: without it we cannot tell failed upgrades from rollbacks. Bless what
    // booted (that needs no state), leave every other entry and the file alone, and say so.
    deps.report(`${toBasaltError(err).message}: blessing only, no entry removed`);
  }
  const actions = assessBoot({
    entries: await readSlotEntries(update.esp),
    booted: update.booted,
    bootCountPath,
    state: state ?? { rolledBackFrom: [] },
  });
  await apply(update, state, state ? actions : actions.filter((a) => a.kind === "bless"), deps.report);
  return bootCountPath ? "blessed" : "already-good";
}

async function apply(
  update: UpdateSystem,
  state: UpgradeState | undefined,
  actions: BootAction[],
  report: (m: string) => void,
): Promise<void> {
  for (const a of actions) {
    if (a.kind === "bless") await update.esp.rename(a.from, a.to);
    if (a.kind === "remove") await update.esp.remove(a.file);
    if (a.kind === "record-failure" && state) {
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
  if (state) await update.state.save(state);
}
