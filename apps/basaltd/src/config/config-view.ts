import { type MachineConfig, redacted, redactMachineConfig } from "@basalt/machinery";
import { stringify } from "yaml";

/** A config as plain JSON (what patches and diffs work on). */
export function toDocument(config: MachineConfig): Record<string, unknown> {
  return JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
}

/** The canonical YAML of a validated config: what is written to STATE and compared. */
export function toYaml(config: MachineConfig): string {
  return stringify(toDocument(config), { lineWidth: 0 });
}

/**
 * The config as a non-admin sees it: the node's private key and the bootstrap token's secret half
 * redacted (redactMachineConfig), and, as for process command lines elsewhere in the API, the
 * arguments and environment values of services (they may carry passwords).
 */
export function redactForReaders(config: MachineConfig): MachineConfig {
  const shown = redactMachineConfig(config);
  return {
    ...shown,
    services: shown.services.map((s) => ({
      ...s,
      command: s.command.map((arg, i) => (i === 0 ? arg : redacted)),
      env: Object.fromEntries(Object.keys(s.env).map((k) => [k, redacted])),
    })),
  };
}
