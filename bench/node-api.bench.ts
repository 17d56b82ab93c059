import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { basaltctl, LocalFleet } from "../test/support/local-fleet.ts";
import { cpuSeconds, rssMb } from "./process-usage.ts";
import { median, printTable, timeRuns } from "./stats.ts";

/**
 * Node API benchmarks (issue 2), each reported against a baseline measured in the same run:
 * - fan-out: `basaltctl version` wall time against N nodes as a ratio to 1 node (goal: 50 ≤ 2×);
 * - CLI start-up: `basaltctl version` against one node vs a bare `node -e 0` (goal: < 250 ms);
 * - basaltd idle RSS and CPU after start (goal: < 60 MB, near-zero CPU).
 */
const runs = Number(process.env.BENCH_RUNS ?? 7);
const sizes = (process.env.BENCH_NODES ?? "1,10,50").split(",").map(Number);

const addresses = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => `127.0.${Math.floor((i + 2) / 250)}.${((i + 2) % 250) + (i + 2 >= 250 ? 1 : 0)}`,
  );

async function runNode(args: string[]) {
  await new Promise((resolve) => spawn(process.execPath, args, { stdio: "ignore" }).on("exit", resolve));
}

/** RSS of the smallest program that does what basaltd must: an idle HTTP/2 TLS server on Node 24. */
async function baselineServerRss(): Promise<number> {
  const { ids } = fleet;
  const code = `const h=require("node:http2");const s=h.createSecureServer({cert:process.env.C,key:process.env.K,allowHTTP1:true},(q,r)=>r.end("x"));s.listen(0,"127.0.0.1",()=>console.log("up"))`;
  const child = spawn(process.execPath, ["-e", code], {
    env: { ...process.env, C: ids.admin.cert, K: ids.admin.key },
  });
  await new Promise((r) => child.stdout.once("data", r));
  await sleep(3000);
  const rss = rssMb(child.pid!);
  child.kill();
  return rss;
}

const largest = Math.max(...sizes);
const fleet = await LocalFleet.start({ addresses: addresses(largest) });
try {
  const rows: Record<string, string | number>[] = [];
  let base = 0;
  for (const n of sizes) {
    const config = fleet.writeClientConfig("admin", {
      nodes: fleet.nodes.slice(0, n),
      file: `bench-${n}.basaltconfig`,
    });
    await basaltctl(["--basaltconfig", config, "version"]); // warm the page cache
    const times = await timeRuns(runs, async () => {
      const r = await basaltctl(["--basaltconfig", config, "-o", "json", "version"]);
      if (r.code !== 0) throw new Error(r.stderr);
      if (r.stdout.trim().split("\n").length !== n) throw new Error(`expected ${n} answers`);
    });
    const m = median(times);
    if (n === sizes[0]) base = m;
    rows.push({ nodes: n, "median ms": m.toFixed(0), "ratio to 1 node": (m / base).toFixed(2) });
  }
  printTable(`fan-out: basaltctl version, median of ${runs} (goal: 50 nodes within 2x of 1)`, rows);

  const one = fleet.writeClientConfig("admin", {
    nodes: fleet.nodes.slice(0, 1),
    file: "bench-one.basaltconfig",
  });
  const bare = median(await timeRuns(runs, () => runNode(["-e", "0"])));
  const cli = median(await timeRuns(runs, () => basaltctl(["--basaltconfig", one, "version"])));
  const help = median(await timeRuns(runs, () => basaltctl(["help"])));
  printTable(`CLI start-up, median of ${runs} (goal: version against one node < 250 ms)`, [
    { what: "node -e 0 (baseline)", ms: bare.toFixed(0), ratio: "1.00" },
    { what: "basaltctl help (no network)", ms: help.toFixed(0), ratio: (help / bare).toFixed(2) },
    { what: "basaltctl version, 1 node", ms: cli.toFixed(0), ratio: (cli / bare).toFixed(2) },
  ]);

  // Idle: let start-up settle, then watch one daemon for 10 s while nothing calls it.
  await sleep(3000);
  const pid = fleet.nodes[0]!.process!.pid!;
  const before = cpuSeconds(pid);
  await sleep(10_000);
  const cpuPct = ((cpuSeconds(pid) - before) / 10) * 100;
  const idleRss = rssMb(pid);
  const rss = fleet.nodes.map((n) => rssMb(n.process!.pid!));
  const floor = await baselineServerRss();
  printTable("basaltd idle (goal: < 60 MB RSS, near-zero CPU)", [
    { what: "baseline: bare Node HTTP/2 TLS server, idle", value: `${floor.toFixed(1)} MB` },
    { what: "ratio basaltd / baseline", value: (idleRss / floor).toFixed(2) },
    { what: "RSS of node-1 after 13 s idle", value: `${idleRss.toFixed(1)} MB` },
    { what: `median RSS over ${rss.length} daemons`, value: `${median(rss).toFixed(1)} MB` },
    { what: "CPU over 10 s idle", value: `${cpuPct.toFixed(2)} %` },
  ]);
} finally {
  await fleet.stop();
}
