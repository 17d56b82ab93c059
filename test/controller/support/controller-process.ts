import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { controllerMain } from "./sim-cluster.ts";

/**
 * basalt-controller as a real process (main.ts, the same entry point as in the cluster), with the
 * simulated agent and short lease timings so takeovers are quick; its JSON logs go to a file.
 */
export interface ControllerProcessOptions {
  kubeconfig: string;
  identity: string;
  logDir: string;
  metricsPort?: number;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  extraArgs?: string[];
  /** The program to run: main.ts by default, or a bundle (dist/basalt-controller.mjs). */
  entry?: string;
  /** Node.js flags, e.g. the heap settings the Deployment ships with. */
  nodeFlags?: string[];
}

/** The V8 settings deploy/deployment.yaml runs the controller with: a small young generation. */
export const shippedNodeFlags = ["--max-semi-space-size=4", "--max-old-space-size=384"];
/** And its environment: two malloc arenas (glibc's default, 8 per core, only fragments RSS here). */
export const shippedEnv = { MALLOC_ARENA_MAX: "2" };

export class ControllerProcess {
  readonly options: ControllerProcessOptions;
  child: ChildProcess | undefined;
  starts = 0;

  constructor(options: ControllerProcessOptions) {
    this.options = options;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const o = this.options;
    mkdirSync(o.logDir, { recursive: true });
    const out = createWriteStream(join(o.logDir, `${o.identity}.log`), { flags: "a" });
    this.child = spawn(
      process.execPath,
      [
        ...(o.nodeFlags ?? shippedNodeFlags),
        o.entry ?? controllerMain,
        `--kubeconfig=${o.kubeconfig}`,
        `--identity=${o.identity}`,
        "--agent=simulated",
        `--metrics-port=${o.metricsPort ?? 0}`,
        "--metrics-host=127.0.0.1",
        `--lease-duration=${o.leaseDurationSeconds ?? 4}`,
        `--renew-deadline=${o.renewDeadlineSeconds ?? 3}`,
        `--retry-period=${o.retryPeriodSeconds ?? 1}`,
        ...(o.extraArgs ?? []),
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...shippedEnv } },
    );
    this.child.stdout?.pipe(out);
    this.child.stderr?.pipe(out);
    this.starts++;
  }

  /** Sends `signal` and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
  }
}
