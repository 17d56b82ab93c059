import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { SupervisorService } from "@basalt/api";
import { nodeTransport } from "@basalt/client";
import { type Client, createClient } from "@connectrpc/connect";
import { basaltctl, LocalFleet } from "../support/local-fleet.ts";

/**
 * basaltd supervising real containerd (Debian's package) plus a crash-looping service: start, stop,
 * restart, crash → restart with backoff, and output captured into the per-service log.
 */
const containerd = "/usr/bin/containerd";

let fleet: LocalFleet;
let client: Client<typeof SupervisorService>;
let admin: string;

before(async () => {
  assert.ok(
    existsSync(containerd),
    "containerd is not installed: run scripts/setup.sh (apt-get install containerd)",
  );
  fleet = await LocalFleet.start({
    addresses: ["127.0.0.2"],
    configure: ({ dir }) => {
      const config = join(dir, "containerd.toml");
      writeFileSync(
        config,
        [
          "version = 2",
          `root = "${dir}/containerd/root"`,
          `state = "${dir}/containerd/state"`,
          `disabled_plugins = ["io.containerd.grpc.v1.cri"]`,
          "[grpc]",
          `  address = "${dir}/containerd.sock"`,
          "[ttrpc]",
          `  address = "${dir}/containerd.ttrpc.sock"`,
          '[plugins."io.containerd.internal.v1.opt"]',
          `  path = "${dir}/containerd/opt"`,
          "",
        ].join("\n"),
      );
      return {
        services: [
          {
            name: "containerd",
            command: [containerd, "--config", config],
            health: { unixSocket: `${dir}/containerd.sock` },
          },
          {
            name: "crasher",
            command: [
              process.execPath,
              "-e",
              "console.log('crasher up'); console.error('about to fail'); process.exit(3)",
            ],
            restart: "on-failure",
          },
          {
            name: "ticker",
            command: [
              process.execPath,
              "-e",
              "let n = 0; setInterval(() => console.log('tick ' + n++), 100)",
            ],
          },
        ],
      };
    },
  });
  const id = fleet.ids.admin;
  client = createClient(
    SupervisorService,
    nodeTransport(fleet.nodes[0]!.endpoint, { ca: fleet.ids.ca.cert, ...id }),
  );
  admin = fleet.writeClientConfig("admin");
});
after(() => fleet?.stop());

async function service(name: string) {
  const list = await client.serviceList({});
  const s = list.services.find((x) => x.name === name);
  assert.ok(s, `service ${name} listed`);
  return s;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("containerd starts, becomes healthy, and its output is captured", async () => {
  await until("containerd healthy", async () =>
    (await service("containerd")).health === "healthy" ? true : undefined,
  );
  const s = await service("containerd");
  assert.equal(s.state, "running");
  assert.ok(s.pid > 0);
  const logs = await basaltctl(["--basaltconfig", admin, "logs", "containerd", "-n", "node-1"]);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /containerd successfully booted/);
});

test("stop, start and restart through the API", async () => {
  const stopped = await client.serviceStop({ name: "containerd" });
  assert.equal(stopped.service?.state, "stopped");
  assert.equal(stopped.service?.pid, 0);
  const started = await client.serviceStart({ name: "containerd" });
  assert.equal(started.service?.state, "running");
  const firstPid = started.service!.pid;
  const restarted = await client.serviceRestart({ name: "containerd" });
  assert.equal(restarted.service?.state, "running");
  assert.notEqual(restarted.service?.pid, firstPid);
  await until("healthy again", async () =>
    (await service("containerd")).health === "healthy" ? true : undefined,
  );
});

test("a killed containerd is restarted, counted, and healthy again", async () => {
  const before = await service("containerd");
  process.kill(before.pid, "SIGKILL");
  const after = await until("containerd restarted", async () => {
    const s = await service("containerd");
    return s.state === "running" && s.pid !== before.pid ? s : undefined;
  });
  assert.equal(after.restarts, before.restarts + 1);
  assert.ok(after.events.some((e) => /killed by SIGKILL; restarting/.test(e.message)));
  await until("healthy again", async () =>
    (await service("containerd")).health === "healthy" ? true : undefined,
  );
});

test("a crash loop backs off with growing delays", async () => {
  const s = await until("three crashes", async () => {
    const c = await service("crasher");
    return c.restarts >= 3 ? c : undefined;
  });
  const delays = s.events
    .map((e) => /next start in (\d+) ms/.exec(e.message)?.[1])
    .filter(Boolean)
    .map(Number);
  assert.ok(delays.length >= 3, `backoff events: ${delays}`);
  for (let i = 1; i < delays.length; i++) assert.ok(delays[i]! >= delays[i - 1]!, `delays grow: ${delays}`);
  assert.ok(delays.at(-1)! > delays[0]!, `delays grow: ${delays}`);
  const logs = await basaltctl(["--basaltconfig", admin, "logs", "crasher", "-n", "node-1"]);
  assert.match(logs.stdout, /crasher up/);
  assert.match(logs.stdout, /about to fail/);
});

test("an unknown service is not found, with the names that exist", async () => {
  const r = await basaltctl(["--basaltconfig", admin, "service", "start", "nginx", "-n", "node-1"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no service named "nginx" \(services on this node: containerd, crasher, ticker\)/);
});

test("logs -f follows new lines until stopped", async () => {
  const { spawn } = await import("node:child_process");
  const { basaltctlBundle } = await import("../support/local-fleet.ts");
  const child = spawn(process.execPath, [
    basaltctlBundle,
    "--basaltconfig",
    admin,
    "logs",
    "ticker",
    "-f",
    "--tail",
    "1",
    "-n",
    "node-1",
  ]);
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d;
  });
  // --tail 1 prints one line; more lines can only come from following the file as it grows.
  await until("followed lines", async () => ((out.match(/tick \d+/g)?.length ?? 0) >= 5 ? true : undefined));
  const ticks = (out.match(/tick (\d+)/g) ?? []).map((t) => Number(t.slice(5)));
  for (let i = 1; i < ticks.length; i++)
    assert.equal(ticks[i], ticks[i - 1]! + 1, "no line lost or repeated");
  assert.match(out, /^node-1 {2}\S+ tick \d+/m);
  child.kill("SIGINT");
});
