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

/** Where each boot phase's span goes (basaltd's boot timeline), if anywhere. */
export type BootPhaseRecorder = (name: string, startMs: number, endMs: number) => void;

async function runPhase(
  host: InitHost,
  phase: BootPhase,
  state: BootState,
  record?: BootPhaseRecorder,
): Promise<void> {
  const started = performance.now();
  const summary = await phase.run(host, state);
  const ended = performance.now();
  record?.(phase.name, started, ended);
  host.console(`basaltd: [${phase.name}] ${summary} (${Math.round(ended - started)} ms)`);
}

/**
 * Boots the node as PID 1: kernel filesystems, STATE, the machine config, then hostname and network.
 * With no (valid) machine config it says so on the console and looks again every `retryMs`, rather
 * than exit and make the kernel panic. Other failures propagate: the caller logs and reboots.
 */
export async function runBoot(
  host: InitHost,
  retryMs = 10_000,
  record?: BootPhaseRecorder,
): Promise<{ config: MachineConfig; source: string }> {
  const state: BootState = {};
  for (const phase of earlyPhases) await runPhase(host, phase, state, record);
  for (let attempt = 0; !state.config; attempt++) {
    if (attempt > 0) await host.sleep(retryMs);
    try {
      await runPhase(host, findMachineConfig, state, record);
    } catch (err) {
      host.console(`basaltd: machine config rejected: ${toBasaltError(err).describe()}`);
    }
    if (!state.config)
      host.console(
        `basaltd: no usable machine config: attach a disk labelled ${configDriveLabel} holding config.yaml; looking again in ${retryMs / 1000} s`,
      );
  }
  for (const phase of configuredPhases) await runPhase(host, phase, state, record);
  return { config: state.config, source: state.configSource ?? "" };
}
