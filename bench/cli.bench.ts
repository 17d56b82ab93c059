/**
 * basaltctl's cost against `node -e 0` in the same run: wall time and CPU time (user + system, from
 * /usr/bin/time; CPU is the steadier figure on a shared machine) of `basaltctl help` and of
 * `basaltctl version` against one local basaltd and against ten (the fan-out's overhead as a ratio).
 * BENCH_CLI_DIST=/path/to/other/dist also measures another build of the CLI (before/after a change).
 * Usage: node bench/cli.bench.ts   (BENCH_RUNS=9 by default; run it under heavy.sh)
 */
import { join } from "node:path";
import { LocalFleet, repoRoot } from "../test/support/local-fleet.ts";
import { measureRun } from "./process-usage.ts";
import { median, printTable } from "./stats.ts";

const runs = Number(process.env.BENCH_RUNS ?? 9);
const dists = [join(repoRoot, "dist"), ...(process.env.BENCH_CLI_DIST ? [process.env.BENCH_CLI_DIST] : [])];
// Addresses of this bench only.
const addresses = Array.from({ length: 10 }, (_, i) => `127.0.42.${i + 2}`);

function medians(argv: string[], env: Record<string, string> = {}): { wall: number; cpu: number } {
  measureRun(argv, env); // warm the page cache and the compile cache
  const all = Array.from({ length: runs }, () => measureRun(argv, env));
  return { wall: median(all.map((m) => m.wall)), cpu: median(all.map((m) => m.cpu)) };
}

const fleet = await LocalFleet.start({ addresses });
try {
  const one = fleet.writeClientConfig("admin", { nodes: fleet.nodes.slice(0, 1), file: "one.basaltconfig" });
  const ten = fleet.writeClientConfig("admin", { nodes: fleet.nodes, file: "ten.basaltconfig" });
  const node = process.execPath;
  const bare = medians([node, "-e", "0"]);
  const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
  const rows: Record<string, string>[] = [
    { WHAT: "node -e 0", WALL: ms(bare.wall), CPU: ms(bare.cpu), "WALL / node -e 0": "1.00×" },
  ];
  for (const dist of dists) {
    const ctl = join(dist, "basaltctl.mjs");
    const tag = dists.length > 1 ? ` [${dist}]` : "";
    const help = medians([node, ctl, "help"]);
    const v1 = medians([node, ctl, "version"], { BASALTCONFIG: one });
    const v10 = medians([node, ctl, "version"], { BASALTCONFIG: ten });
    const row = (what: string, m: { wall: number; cpu: number }, extra = "") => ({
      WHAT: `${what}${tag}`,
      WALL: ms(m.wall),
      CPU: ms(m.cpu),
      "WALL / node -e 0": `${(m.wall / bare.wall).toFixed(2)}×${extra}`,
    });
    rows.push(
      row("basaltctl help", help),
      row("basaltctl version, 1 node", v1),
      row("basaltctl version, 10 nodes", v10, `; ${(v10.wall / v1.wall).toFixed(2)}× of 1 node`),
    );
  }
  printTable(
    `basaltctl, median of ${runs} (goals: version on 1 node ≤ 150 ms, help ≤ 100 ms, 10 nodes ≤ 1.5× of 1)`,
    rows,
  );
} finally {
  await fleet.stop();
}
