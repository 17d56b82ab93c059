import { BasaltError, type MachineConfig, validateMachineConfig } from "@basalt/machinery";
import { parse } from "yaml";
import type { ConfigStore, ConfigVersion } from "../adapters/linux/config-store.ts";
import { type ConfigChange, diffConfigs, lineDiff } from "./config-diff.ts";
import { redactForReaders, toDocument, toYaml } from "./config-view.ts";
import { classifyPath, rebootNeeded } from "./live-fields.ts";

export type ApplyMode = "no-reboot" | "reboot" | "staged" | "try";

/** Who asks for a change: the client certificate's common name and serial. */
export interface Changer {
  by: string;
  serial: string;
}

export interface ChangeOptions {
  mode: ApplyMode;
  dryRun: boolean;
  /** Try mode: how long before the node reverts by itself (default 60 s, at most 3600 s). */
  tryTimeoutSeconds?: number;
  who: Changer;
  /** Recorded in the history: "rollback to version 3". */
  note?: string;
}

export interface ChangeResult {
  changes: (ConfigChange & { live: boolean })[];
  diff: string;
  /** The validated result, secrets redacted. */
  yaml: string;
  mode: ApplyMode;
  dryRun: boolean;
  version: number;
  message: string;
  tryDeadline?: Date;
}

export interface ConfigManagerDeps {
  store: ConfigStore;
  /** The config in force. */
  running(): MachineConfig;
  /** Makes `next` the config in force: what can change live changes now. Returns notes for the caller. */
  applyLive(next: MachineConfig, previous: MachineConfig): Promise<string[]>;
  /**
   * Checks what the schema cannot (the TLS key matches its certificate, no kubernetes section in
   * agent mode) and returns the config as this node runs it (init mode forces node.mode: init).
   */
  check(config: MachineConfig): MachineConfig;
  /** Publishes a config event. */
  publish(message: string): void;
  /** Whether this node may reboot now (agent mode refuses unless allowed), and doing it. */
  rebootDecision(): { allowed: boolean; reason: string };
  reboot(why: string): void;
  /** Tells of a try-mode revert failing (the daemon log). */
  onError(message: string): void;
  /** Init mode: the network section changes live too. */
  initMode?: boolean;
}

export const defaultTryTimeoutSeconds = 60;
export const maxTryTimeoutSeconds = 3600;

/**
 * Changes the machine config of a running node, one change at a time: validates with the boot
 * schema, diffs, decides by mode whether the change may go live, writes the new version to STATE and
 * its history, applies it, and records an event. A try-mode change lives in memory only (STATE keeps
 * the previous config, so a power cut also reverts it) until confirmed.
 */
export class ConfigManager {
  readonly #deps: ConfigManagerDeps;
  #version = 0;
  #staged: MachineConfig | undefined;
  #trial: { previous: MachineConfig; version: number; deadline: Date; timer: NodeJS.Timeout } | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: ConfigManagerDeps) {
    this.#deps = deps;
  }

  /** Links the config in force to its history version, recording it when the history lacks it. */
  async start(source: string): Promise<void> {
    await this.#deps.store.sweep();
    const yaml = toYaml(this.#deps.running());
    const history = await this.#deps.store.history();
    const last = history[history.length - 1];
    if (last && last.yaml === yaml) {
      this.#version = last.version;
      return;
    }
    const entry = await this.#deps.store.record({
      time: new Date().toISOString(),
      by: "basaltd",
      serial: "",
      mode: "boot",
      paths: [],
      note: `loaded at start from ${source}`,
      yaml,
    });
    this.#version = entry.version;
  }

  /** The config in force, redacted unless `secrets`; the version; a staged or trial config pending. */
  get(secrets: boolean): { yaml: string; version: number; stagedPending: boolean; tryDeadline?: Date } {
    const running = this.#deps.running();
    return {
      yaml: toYaml(secrets ? running : redactForReaders(running)),
      version: this.#version,
      stagedPending: !!this.#staged && toYaml(this.#staged) !== toYaml(running),
      ...(this.#trial ? { tryDeadline: this.#trial.deadline } : {}),
    };
  }

  /** Replaces the whole config by `doc` (a parsed YAML/JSON document). */
  apply(doc: unknown, options: ChangeOptions): Promise<ChangeResult> {
    return this.#serial(() => this.#change(() => doc, options));
  }

  /**
   * Changes the config by `patch(base)`. The base is the config in force for live modes (no-reboot,
   * try), and the latest written one (staged, else in force) for staged and reboot.
   */
  patch(patch: (base: Record<string, unknown>) => unknown, options: ChangeOptions): Promise<ChangeResult> {
    return this.#serial(() => this.#change(() => patch(toDocument(this.#base(options.mode))), options));
  }

  #base(mode: ApplyMode): MachineConfig {
    const live = mode === "no-reboot" || mode === "try";
    return live ? this.#deps.running() : (this.#staged ?? this.#deps.running());
  }

  /** Applies history version `version` again (as a new version). */
  rollback(version: number, options: Omit<ChangeOptions, "note">): Promise<ChangeResult> {
    return this.#serial(async () => {
      const entry = (await this.#deps.store.history()).find((e) => e.version === version);
      if (!entry) {
        const kept = (await this.#deps.store.history()).map((e) => e.version);
        throw new BasaltError("not_found", `config version ${version} is not in the history`, {
          hint: `versions kept: ${kept.join(", ") || "none"} (basaltctl config history)`,
        });
      }
      return this.#change(() => parse(entry.yaml), { ...options, note: `rollback to version ${version}` });
    });
  }

  /** Keeps the config applied in try mode: written to STATE, the revert timer cancelled. */
  confirm(who: Changer): Promise<{ version: number; message: string }> {
    return this.#serial(async () => {
      const trial = this.#trial;
      if (!trial)
        throw new BasaltError("failed_precondition", "no config applied in try mode awaits confirmation", {
          hint: "basaltctl config apply --mode try ... first",
        });
      await this.#deps.store.writeConfig(toYaml(this.#deps.running()));
      clearTimeout(trial.timer);
      this.#trial = undefined;
      const message = `config version ${trial.version} confirmed by ${who.by} and written to STATE`;
      this.#deps.publish(message);
      return { version: trial.version, message };
    });
  }

  /** The versions kept, newest first, with which one is in force. */
  async history(): Promise<(ConfigVersion & { current: boolean })[]> {
    const entries = await this.#deps.store.history();
    return entries.reverse().map((e) => ({ ...e, current: e.version === this.#version }));
  }

  /** Stops the revert timer (the daemon is stopping; STATE still holds the pre-trial config). */
  close(): void {
    if (this.#trial) clearTimeout(this.#trial.timer);
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #change(makeDoc: () => unknown, options: ChangeOptions): Promise<ChangeResult> {
    const { mode, dryRun, who } = options;
    if (this.#trial && !dryRun)
      throw new BasaltError(
        "failed_precondition",
        `config version ${this.#trial.version} was applied in try mode and reverts at ${this.#trial.deadline.toISOString()}`,
        {
          hint: "confirm it (basaltctl config confirm) or wait for the revert, then change the config again",
        },
      );
    const next = this.#deps.check(validateMachineConfig(makeDoc()));
    const running = this.#deps.running();
    const live = mode === "no-reboot" || mode === "try";
    const base = this.#base(mode);
    const dropsStaged =
      live && this.#staged && toYaml(this.#staged) !== toYaml(running)
        ? "; the config staged for the next boot is replaced by this one"
        : "";
    const changes = diffConfigs(toDocument(base), toDocument(next)).map((c) => ({
      ...c,
      live: classifyPath(c.path, { initMode: this.#deps.initMode }).live,
    }));
    const shownNext = toYaml(redactForReaders(next));
    const result = (version: number, message: string, tryDeadline?: Date): ChangeResult => ({
      changes,
      diff: lineDiff(toYaml(redactForReaders(base)), shownNext),
      yaml: shownNext,
      mode,
      dryRun,
      version,
      message,
      ...(tryDeadline ? { tryDeadline } : {}),
    });
    if (live) {
      const blocked = rebootNeeded(changes, { initMode: this.#deps.initMode });
      if (blocked.length > 0)
        throw new BasaltError(
          "failed_precondition",
          `these changes need a reboot, so ${mode} mode refuses them (nothing was written):\n  ${blocked
            .map((b) => `${b.path}: ${b.reason}`)
            .join("\n  ")}`,
          { hint: "apply with --mode reboot (now) or --mode staged (next boot), or leave those fields out" },
        );
    }
    if (mode === "reboot") {
      const d = this.#deps.rebootDecision();
      if (!d.allowed)
        throw new BasaltError(
          "failed_precondition",
          `reboot mode refused: ${d.reason} (nothing was written)`,
          {
            hint: "use --mode staged and reboot the node yourself, or allow it in the config",
          },
        );
    }
    const timeout = options.tryTimeoutSeconds || defaultTryTimeoutSeconds;
    if (mode === "try" && (timeout < 1 || timeout > maxTryTimeoutSeconds))
      throw new BasaltError(
        "invalid_argument",
        `try timeout must be 1-${maxTryTimeoutSeconds} seconds, not ${timeout}`,
      );
    if (changes.length === 0) return result(0, "no change: the config is already this");
    if (dryRun)
      return result(0, `dry run: ${describe(mode, changes.length)} (nothing written)${dropsStaged}`);

    const yaml = toYaml(next);
    const entry = await this.#deps.store.record({
      time: new Date().toISOString(),
      by: who.by,
      serial: who.serial,
      mode,
      paths: changes.map((c) => c.path),
      note: options.note ?? "",
      yaml,
    });
    const by = `by ${who.by}${options.note ? ` (${options.note})` : ""}`;
    switch (mode) {
      case "staged": {
        await this.#deps.store.writeConfig(yaml);
        this.#staged = next;
        this.#deps.publish(
          `config version ${entry.version} staged for the next boot ${by}: ${summary(changes)}`,
        );
        return result(entry.version, `written to STATE; the node boots with it next time`);
      }
      case "reboot": {
        await this.#deps.store.writeConfig(yaml);
        this.#staged = next;
        this.#version = entry.version;
        this.#deps.publish(`config version ${entry.version} written ${by}; rebooting: ${summary(changes)}`);
        this.#deps.reboot(`config version ${entry.version}`);
        return result(entry.version, "written to STATE; the node reboots now");
      }
      case "no-reboot": {
        await this.#deps.store.writeConfig(yaml);
        const notes = await this.#deps.applyLive(next, running);
        this.#staged = undefined;
        this.#version = entry.version;
        this.#deps.publish(`config version ${entry.version} applied live ${by}: ${summary(changes)}`);
        return result(entry.version, ["applied live", ...notes].join("; ") + dropsStaged);
      }
      case "try": {
        const notes = await this.#deps.applyLive(next, running);
        const previousVersion = this.#version;
        this.#version = entry.version;
        const deadline = new Date(Date.now() + timeout * 1000);
        const timer = setTimeout(() => void this.#revert(running, previousVersion), timeout * 1000);
        timer.unref();
        this.#trial = { previous: running, version: entry.version, deadline, timer };
        this.#deps.publish(
          `config version ${entry.version} applied in try mode ${by}; reverts at ${deadline.toISOString()} unless confirmed: ${summary(changes)}`,
        );
        return result(
          entry.version,
          [
            `applied live for ${timeout} s; confirm with basaltctl config confirm or it reverts`,
            ...notes,
          ].join("; "),
          deadline,
        );
      }
    }
  }

  async #revert(previous: MachineConfig, previousVersion: number): Promise<void> {
    await this.#serial(async () => {
      const trial = this.#trial;
      if (!trial) return;
      this.#trial = undefined;
      try {
        await this.#deps.applyLive(previous, this.#deps.running());
        const entry = await this.#deps.store.record({
          time: new Date().toISOString(),
          by: "basaltd",
          serial: "",
          mode: "revert",
          paths: [],
          note: `try of version ${trial.version} not confirmed: back to version ${previousVersion}`,
          yaml: toYaml(previous),
        });
        this.#version = entry.version;
        this.#deps.publish(
          `config version ${trial.version} was not confirmed in time: reverted (version ${entry.version})`,
        );
      } catch (err) {
        this.#deps.onError(`reverting config version ${trial.version} failed: ${(err as Error).message}`);
      }
    });
  }
}

function describe(mode: ApplyMode, n: number): string {
  const what = `${n} change${n === 1 ? "" : "s"}`;
  switch (mode) {
    case "no-reboot":
      return `${what} would apply live`;
    case "try":
      return `${what} would apply live until confirmed`;
    case "staged":
      return `${what} would be written for the next boot`;
    case "reboot":
      return `${what} would be written, then the node would reboot`;
  }
}

function summary(changes: readonly ConfigChange[]): string {
  const paths = changes.map((c) => c.path);
  return paths.length > 8 ? `${paths.slice(0, 8).join(", ")} and ${paths.length - 8} more` : paths.join(", ");
}
