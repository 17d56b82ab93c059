/**
 * Where a boot's time went, step by step, on one clock: milliseconds since the kernel started
 * (CLOCK_BOOTTIME's zero). Firmware and boot loader come before that zero, so their starts are
 * negative. Users see it with `basaltctl timeline` (NodeStatus.boot_timeline).
 */
export interface BootStep {
  name: string;
  /** Start, ms since the kernel started (negative for firmware and loader). */
  startMs: number;
  durationMs: number;
}

/** What the stages before basaltd's first line left behind, each optional (agent mode has none). */
export interface EarlyBootTimes {
  /** systemd-boot's LoaderTimeInitUSec: µs from firmware start until the loader ran. */
  loaderInitUs?: number;
  /** systemd-boot's LoaderTimeExecUSec: µs from firmware start until it handed over to the kernel. */
  loaderExecUs?: number;
  /** Uptime (s) when the initramfs's /init started, and when it switched to basaltd. */
  initramfsStartS?: number;
  initramfsSwitchS?: number;
  /** Uptime (ms) when this process was created (/proc/self/stat starttime): for PID 1, the kernel's hand-over. */
  execMs: number;
  /** Uptime (ms) when basaltd's main module began to run (Node had loaded the bundle). */
  mainMs: number;
}

const round = (ms: number) => Math.round(ms);

/**
 * The steps before basaltd's phases: firmware, loader, kernel, initramfs, Node start-up. A step is
 * left out when what it is measured from is missing or makes no sense (a clock that went back).
 */
export function earlyBootSteps(t: EarlyBootTimes, initMode = true): BootStep[] {
  const steps: BootStep[] = [];
  const add = (name: string, start: number, end: number) => {
    if (Number.isFinite(start) && Number.isFinite(end) && end >= start)
      steps.push({ name, startMs: round(start), durationMs: round(end - start) });
  };
  // An agent was started some time after its OS booted: only its own start-up is ours to show.
  if (!initMode) {
    add("node start-up", t.execMs, t.mainMs);
    return steps;
  }
  if (t.loaderInitUs !== undefined && t.loaderExecUs !== undefined && t.loaderExecUs >= t.loaderInitUs) {
    // The kernel starts about when the loader hands over: its zero is the loader's exec time.
    const exec = t.loaderExecUs / 1000;
    add("firmware", -exec, t.loaderInitUs / 1000 - exec);
    add("loader", t.loaderInitUs / 1000 - exec, 0);
  }
  const initramfsStart = t.initramfsStartS === undefined ? undefined : t.initramfsStartS * 1000;
  const initramfsEnd = t.initramfsSwitchS === undefined ? undefined : t.initramfsSwitchS * 1000;
  add("kernel", 0, initramfsStart ?? t.execMs);
  if (initramfsStart !== undefined) add("initramfs", initramfsStart, initramfsEnd ?? t.execMs);
  // PID 1's /proc start time is when the kernel created it (for the initramfs), not when it exec'd
  // Node: after an initramfs, Node starts where the initramfs switched.
  add("node start-up", initramfsEnd ?? t.execMs, t.mainMs);
  return steps;
}

/** basaltd's own steps, recorded as they run, after the early ones. */
export class BootTimeline {
  private readonly recorded: BootStep[] = [];
  /** Ms since the kernel started. */
  readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  record(name: string, startMs: number, endMs: number): void {
    this.recorded.push({ name, startMs: round(startMs), durationMs: round(Math.max(0, endMs - startMs)) });
  }

  /** Runs `fn` as one step; a step that throws is recorded too (its name says it failed). */
  async step<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    const start = this.now();
    try {
      const value = await fn();
      this.record(name, start, this.now());
      return value;
    } catch (err) {
      this.record(`${name} (failed)`, start, this.now());
      throw err;
    }
  }

  /** A moment worth seeing (e.g. "api ready"): a step of no duration. */
  mark(name: string): void {
    const at = this.now();
    this.record(name, at, at);
  }

  /** The steps in the order they started, at most `limit` (a boot has a few dozen). */
  steps(limit = 200): BootStep[] {
    return [...this.recorded].sort((a, b) => a.startMs - b.startMs).slice(0, limit);
  }
}
