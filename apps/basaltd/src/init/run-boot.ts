import { type MachineConfig, toBasaltError } from "@basalt/machinery";
import {
  type BootPhase,
  type BootState,
  configDriveLabel,
  configuredPhases,
  earlyPhases,
  findMachineConfig,
} from "./boot-phases.ts";
import type { InitHost } from "./init-host.ts";

async function runPhase(host: InitHost, phase: BootPhase, state: BootState): Promise<void> {
  const started = performance.now();
  const summary = await phase.run(host, state);
  host.console(`basaltd: [${phase.name}] ${summary} (${Math.round(performance.now() - started)} ms)`);
}

/**
 * Boots the node as PID 1: kernel filesystems, STATE, the machine config, then hostname and network.
 * With no (valid) machine config it says so on the console and looks again every `retryMs`, rather
 * than exit and make the kernel panic. Other failures propagate: the caller logs and reboots.
 */
export async function runBoot(
  host: InitHost,
  retryMs = 10_000,
): Promise<{ config: MachineConfig; source: string }> {
  const state: BootState = {};
  for (const phase of earlyPhases) await runPhase(host, phase, state);
  for (let attempt = 0; !state.config; attempt++) {
    if (attempt > 0) await host.sleep(retryMs);
    try {
      await runPhase(host, findMachineConfig, state);
    } catch (err) {
      host.console(`basaltd: machine config rejected: ${toBasaltError(err).describe()}`);
    }
    if (!state.config)
      host.console(
        `basaltd: no usable machine config: attach a disk labelled ${configDriveLabel} holding config.yaml; looking again in ${retryMs / 1000} s`,
      );
  }
  for (const phase of configuredPhases) await runPhase(host, phase, state);
  return { config: state.config, source: state.configSource ?? "" };
}
