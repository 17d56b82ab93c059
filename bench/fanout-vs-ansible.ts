/**
 * One read call to N nodes, side by side in one run on this machine: `basaltctl version` against N
 * local basaltd (agent mode, mTLS), against Ansible ad-hoc (`ansible all -m command -a 'uname -r'`,
 * forks = N, its default SSH settings) and N parallel `ssh host uname -r`, both against one local
 * sshd listening on the same N loopback addresses (bench/ssh-yardstick.ts). Also basaltctl against
 * one node, since the fan-out goal is N nodes ≤ 1.5× one. Medians of R runs, reported as ratios
 * (never asserted anywhere); every run checks that each host answered.
 * Usage: node bench/fanout-vs-ansible.ts [--nodes 50] [--runs 5]
 *   (root; apt-get install --no-install-recommends ansible-core openssh-server; npm run build)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { basaltctl, basaltctlBundle, freePort, LocalFleet } from "../test/support/local-fleet.ts";
import { cpuSeconds, measureRun } from "./process-usage.ts";
import { startSshYardstick } from "./ssh-yardstick.ts";
import { median, printTable, timeRuns } from "./stats.ts";

const { values } = parseArgs({ options: { nodes: { type: "string" }, runs: { type: "string" } } });
const n = Number(values.nodes ?? 50);
const runs = Number(values.runs ?? 5);
if (!Number.isInteger(n) || n < 1 || n > 200) throw new Error(`--nodes ${values.nodes}: expected 1 to 200`);
// Addresses of this bench only (127.0.44.0/24 on the loopback interface).
const addresses = Array.from({ length: n }, (_, i) => `127.0.44.${i + 2}`);
const work = mkdtempSync(join(tmpdir(), "basalt-bench-fanout-"));
const log = (l: string) => console.error(`fanout-vs-ansible: ${l}`);

log(`starting ${n} basaltd (agent mode) and sshd on the same ${n} addresses`);
const fleet = await LocalFleet.start({ addresses });
const ssh = await startSshYardstick(join(work, "ssh"), addresses, await freePort(addresses[0]!)).catch(
  async (err: unknown) => {
    await fleet.stop();
    throw err;
  },
);
try {
  const one = fleet.writeClientConfig("admin", { nodes: fleet.nodes.slice(0, 1), file: "one.basaltconfig" });
  const all = fleet.writeClientConfig("admin", { nodes: fleet.nodes, file: "all.basaltconfig" });
  const version = (config: string, expected: number) => async () => {
    const r = await basaltctl(["--basaltconfig", config, "-o", "json", "version"]);
    if (r.code !== 0) throw new Error(r.stderr);
    const answers = r.stdout.trim().split("\n").length;
    if (answers !== expected) throw new Error(`basaltctl answered for ${answers} of ${expected} nodes`);
  };
  const cases: { what: string; hosts: number; fn: () => Promise<unknown> }[] = [
    { what: "basaltctl version", hosts: 1, fn: version(one, 1) },
    { what: "basaltctl version", hosts: n, fn: version(all, n) },
    { what: `${n} parallel ssh (uname -r)`, hosts: n, fn: () => ssh.parallelSsh() },
    { what: "ansible -m command (uname -r)", hosts: n, fn: () => ssh.ansible() },
  ];
  const medians: number[] = [];
  for (const c of cases) {
    log(`${c.what} × ${c.hosts}: one warm-up, then ${runs} runs`);
    await c.fn(); // warm the page cache (and Ansible's SSH control masters, as a user's second run would)
    medians.push(median(await timeRuns(runs, c.fn)));
  }
  const [one1, basaltN] = medians as [number, number];
  // Where basaltctl's time goes: its own CPU and the daemons' (all on this machine's cores).
  const cpu = (config: string) => {
    const fleetCpu = () => fleet.nodes.reduce((sum, node) => sum + cpuSeconds(node.process!.pid!), 0);
    const before = fleetCpu();
    let client = 0;
    for (let i = 0; i < runs; i++)
      client += measureRun([process.execPath, basaltctlBundle, "--basaltconfig", config, "version"]).cpu;
    return { client: client / runs, daemons: (fleetCpu() - before) / runs };
  };
  const cpu1 = cpu(one);
  const cpuN = cpu(all);
  const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
  printTable(`basaltctl version: CPU per call, mean of ${runs} (the daemons share this machine's cores)`, [
    { HOSTS: 1, "basaltctl CPU": ms(cpu1.client), "daemons' CPU": ms(cpu1.daemons) },
    {
      HOSTS: n,
      "basaltctl CPU": ms(cpuN.client),
      "daemons' CPU": ms(cpuN.daemons),
      "per extra host": `${ms((cpuN.client - cpu1.client) / (n - 1 || 1))} + ${ms((cpuN.daemons - cpu1.daemons) / (n - 1 || 1))}`,
    },
  ]);
  printTable(
    `one read call to ${n} loopback hosts, median of ${runs} (goal: basaltctl to ${n} ≤ 1.5× to 1, and ahead of Ansible)`,
    cases.map((c, i) => ({
      WHAT: c.what,
      HOSTS: c.hosts,
      "MEDIAN s": (medians[i]! / 1000).toFixed(2),
      [`/ basaltctl × ${n}`]: `${(medians[i]! / basaltN).toFixed(2)}×`,
      "/ basaltctl × 1": `${(medians[i]! / one1).toFixed(2)}×`,
    })),
  );
} finally {
  await ssh.stop();
  await fleet.stop();
  rmSync(work, { recursive: true, force: true });
}
