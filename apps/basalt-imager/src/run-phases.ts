import { toBasaltError } from "@basalt/machinery";
import type { BuildContext, Phase } from "./build-context.ts";

/** Timing of one phase, for the build report and the benchmark. */
export interface PhaseTiming {
  name: string;
  seconds: number;
}

/**
 * Runs the phases in order with one progress line each (`[ 3/13] extract ... 2.1 s  (summary)`).
 * The first failure stops the build and names its phase.
 */
export async function runPhases(phases: readonly Phase[], ctx: BuildContext): Promise<PhaseTiming[]> {
  const timings: PhaseTiming[] = [];
  const width = String(phases.length).length;
  for (const [i, phase] of phases.entries()) {
    const label = `[${String(i + 1).padStart(width)}/${phases.length}] ${phase.name.padEnd(14)}`;
    const started = performance.now();
    let summary: string | undefined;
    try {
      summary = await phase.run(ctx);
    } catch (err) {
      const e = toBasaltError(err);
      ctx.log(`${label} FAILED`);
      throw Object.assign(e, { message: `phase ${phase.name}: ${e.message}` });
    }
    const seconds = (performance.now() - started) / 1000;
    timings.push({ name: phase.name, seconds });
    ctx.log(`${label} ${seconds.toFixed(1).padStart(6)} s${summary ? `  ${summary}` : ""}`);
  }
  return timings;
}
