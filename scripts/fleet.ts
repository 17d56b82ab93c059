import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parse, stringify } from "yaml";

/**
 * The local fleet: fresh PKI, three basaltd on 127.0.0.2-4 (each supervising its own containerd),
 * and the fleet answering basaltctl with every answer tagged by its node. `--keep` leaves the fleet
 * running for the quick start.
 */
const root = join(import.meta.dirname, "..");
const dir = process.env.BASALT_FLEET_DIR ?? "/tmp/basalt-fleet";
const keep = process.argv.includes("--keep");
const nodes = [
  { name: "node-a", address: "127.0.0.2", zone: "a" },
  { name: "node-b", address: "127.0.0.3", zone: "a" },
  { name: "node-c", address: "127.0.0.4", zone: "b" },
];
const node = process.execPath;
const ctl = (args: string[]) =>
  execFileSync(node, [join(root, "dist/basaltctl.mjs"), ...args], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });

function show(title: string, args: string[], maxLines = 14) {
  console.log(`\n$ basaltctl ${args.join(" ")}    # ${title}`);
  let out: string;
  try {
    out = ctl(args);
  } catch (err) {
    out = `${(err as { stdout?: string }).stdout ?? ""}${(err as { stderr?: string }).stderr ?? ""}`;
  }
  const lines = out.trimEnd().split("\n");
  console.log(
    lines.slice(0, maxLines).join("\n") +
      (lines.length > maxLines ? `\n… (${lines.length - maxLines} more lines)` : ""),
  );
}

async function waitListening(address: string, port: number) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ host: address, port }, () => {
        s.destroy();
        r(true);
      });
      s.on("error", () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`basaltd on ${address}:${port} did not start; see ${dir}`);
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
console.log(`fleet directory: ${dir}`);
ctl(["gen", "secrets"]);
ctl([
  "gen",
  "config",
  "--logs-root",
  join(dir, "nodes"),
  ...nodes.flatMap((n) => ["--node", `${n.name}=${n.address}`]),
]);

// gen config writes the API part; here we add what each node supervises, as an operator would.
const haveContainerd = existsSync("/usr/bin/containerd");
for (const n of nodes) {
  const path = join(dir, `${n.name}.yaml`);
  const config = parse(readFileSync(path, "utf8"));
  config.node.labels = { zone: n.zone };
  const state = join(dir, "nodes", n.name, "containerd");
  if (haveContainerd) {
    mkdirSync(state, { recursive: true });
    writeFileSync(
      join(state, "config.toml"),
      `version = 2\nroot = "${state}/root"\nstate = "${state}/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${state}/containerd.sock"\n[ttrpc]\n  address = "${state}/ttrpc.sock"\n[plugins."io.containerd.internal.v1.opt"]\n  path = "${state}/opt"\n`,
    );
    config.services = [
      {
        name: "containerd",
        command: ["/usr/bin/containerd", "--config", join(state, "config.toml")],
        health: { unixSocket: join(state, "containerd.sock") },
      },
    ];
  }
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
const client = parse(readFileSync(join(dir, "basaltconfig"), "utf8"));
for (const entry of client.contexts.basalt.nodes)
  entry.labels = { zone: nodes.find((n) => n.name === entry.name)!.zone };
writeFileSync(join(dir, "basaltconfig"), stringify(client), { mode: 0o600 });

const daemons = nodes.map((n) => {
  const child = spawn(node, [join(root, "dist/basaltd.mjs"), "--config", join(dir, `${n.name}.yaml`)], {
    stdio: "ignore",
    detached: keep,
  });
  if (keep) child.unref();
  return child;
});
await Promise.all(nodes.map((n) => waitListening(n.address, 50000)));
console.log(`started ${nodes.length} basaltd (agent mode) on ${nodes.map((n) => n.address).join(", ")}`);
if (haveContainerd) await sleep(1500);
process.env.BASALTCONFIG = join(dir, "basaltconfig");

show("every node, one command", ["version"]);
show("memory of the whole fleet", ["memory"]);
show("the processes of one node", ["processes", "-n", "node-a"], 8);
show("supervised services", ["services"]);
show("logs, tagged by node", ["logs", "containerd", "--tail", "2"]);
show("a class of nodes by label", ["hostname", "-l", "zone=a", "-o", "json"]);
show("what changes must name its nodes", ["service", "restart", "containerd"]);
show("operators restart services on named nodes", ["service", "restart", "containerd", "-n", "node-c"]);
show("agent mode never reboots a machine by accident", ["reboot", "-n", "node-b"]);

if (keep) {
  console.log(
    `\nThe fleet keeps running. Try:\n  export BASALTCONFIG=${join(dir, "basaltconfig")}\n  bin/basaltctl events -f`,
  );
  console.log(`Stop it with: pkill -f ${join(root, "dist/basaltd.mjs")}`);
} else {
  for (const d of daemons) d.kill("SIGTERM");
  await Promise.all(daemons.map((d) => new Promise((r) => d.once("exit", r))));
  console.log("\nfleet stopped (run `npm run fleet -- --keep` to keep it running)");
}
