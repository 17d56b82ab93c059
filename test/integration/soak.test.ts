import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { EventService, FileService, LogService, NodeService, SupervisorService } from "@basalt/api";
import { nodeTransport } from "@basalt/client";
import { createClient } from "@connectrpc/connect";
import { basaltdNodeFlags } from "../../apps/basalt-imager/src/phases/runtime.ts";
import { LocalFleet } from "../support/local-fleet.ts";

/**
 * Issue 12 soak: readers open and abandon 1,000 follow streams and 1,000 file reads while an admin
 * keeps restarting a service. basaltd answers throughout, and its RSS returns to within 10% of
 * where it started. The figures are printed (`soak:` lines).
 */
let fleet: LocalFleet;
before(async () => {
  fleet = await LocalFleet.start({
    addresses: ["127.0.0.2"],
    // basaltd as it ships (the image and bin/basaltd): with Node's default young generation its RSS
    // swung by up to 10% between rounds on its own, the bound this test holds it to.
    nodeFlags: basaltdNodeFlags,
    // The soak measures memory, not the per-certificate limits (api-limits.test.ts does): one reader
    // certificate here stands for many clients, so its share is raised to the whole node's.
    configure: () => ({
      // (merged into the generated api section: listen and PKI come from the fleet)
      api: {
        limits: {
          connectionsPerPeer: 512,
          callsPerPeer: 1024,
          followStreams: 256,
          followStreamsPerPeer: 256,
          fileReads: 128,
          fileReadsPerPeer: 128,
        },
      } as never,
      services: [
        {
          name: "worker",
          command: ["/bin/sh", "-c", "echo started; sleep 600; true"],
          stopTimeoutSeconds: 2,
        },
      ],
    }),
  });
});
after(() => fleet?.stop());

const endpoint = () => fleet.nodes[0]!.endpoint;
const transport = (who: "admin" | "reader") =>
  nodeTransport(endpoint(), { ca: fleet.ids.ca.cert, ...fleet.ids[who] });

function rssKiB(): number {
  const pid = fleet.nodes[0]!.process!.pid!;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]);
}

/** Opens a follow stream, takes its first message, and walks away. */
async function followAndAbandon(kind: "events" | "logs", clients: ReturnType<typeof readers>): Promise<void> {
  const leave = new AbortController();
  const stream =
    kind === "events"
      ? clients.events.events({ tail: 1, follow: true }, { signal: leave.signal, timeoutMs: 10_000 })
      : clients.logs.logs(
          { service: "basaltd", tail: 1, follow: true },
          { signal: leave.signal, timeoutMs: 10_000 },
        );
  try {
    for await (const _ of stream) break;
  } finally {
    leave.abort();
  }
}

/** Starts reading a 4 MiB file and walks away after the first chunk. */
async function readAndAbandon(path: string, clients: ReturnType<typeof readers>): Promise<void> {
  const leave = new AbortController();
  try {
    for await (const c of clients.files.read({ path }, { signal: leave.signal, timeoutMs: 10_000 })) {
      assert.ok(c.data.length > 0);
      break;
    }
  } finally {
    leave.abort();
  }
}

function readers() {
  const t = transport("reader");
  return {
    events: createClient(EventService, t),
    logs: createClient(LogService, t),
    files: createClient(FileService, t),
    node: createClient(NodeService, t),
  };
}

async function round(n: number, path: string, latencies: number[]): Promise<void> {
  // Two streams per reader on one connection, and basaltd allows 100 at a time: the streams a batch
  // abandons close on the server a moment after the next batch opens its own. 50 readers (100
  // streams, plus Version) left no room for that moment: streams were refused, and Node closes a
  // session after 100 refused streams (maxSessionRejectedStreams) with ENHANCE_YOUR_CALM — 2 runs in
  // 10 once basaltd answered Version faster. 20 readers keep under the limit.
  const batch = 20;
  for (let i = 0; i < n; i += batch) {
    // One connection per batch of readers, as separate clients would have.
    const clients = readers();
    const size = Math.min(batch, n - i);
    await Promise.all(
      Array.from({ length: size }, (_, j) =>
        Promise.all([
          followAndAbandon((i + j) % 2 ? "events" : "logs", clients),
          readAndAbandon(path, clients),
        ]),
      ),
    );
    // basaltd answers throughout.
    const t0 = performance.now();
    const v = await clients.node.version({}, { timeoutMs: 3000 });
    latencies.push(performance.now() - t0);
    assert.equal(v.mode, "agent");
  }
}

test("soak: 1,000 abandoned follow streams and 1,000 abandoned file reads during service restarts", {
  timeout: 600_000,
}, async () => {
  const big = join(fleet.nodes[0]!.logsDir, "big.bin");
  writeFileSync(big, Buffer.alloc(4 * 1024 * 1024, 0x61));
  const latencies: number[] = [];
  // Warm up with one full round (JIT, TLS, the heap growing to its working size) before the
  // baseline: what must not happen is growth from one round to the next.
  const cold = rssKiB();
  await round(1000, big, []);
  await sleep(2000);
  const start = rssKiB();
  console.log(
    `soak: warm-up round: basaltd RSS ${(cold / 1024).toFixed(1)} MiB → ${(start / 1024).toFixed(1)} MiB`,
  );

  let restarting = true;
  let restarts = 0;
  const admin = createClient(SupervisorService, transport("admin"));
  const restarter = (async () => {
    while (restarting) {
      await admin.serviceRestart({ name: "worker" }, { timeoutMs: 15_000 });
      restarts++;
      await sleep(50);
    }
  })();
  const t0 = performance.now();
  let peak = start;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssKiB());
  }, 100);
  try {
    await round(1000, big, latencies);
  } finally {
    restarting = false;
    clearInterval(sampler);
    await restarter;
  }
  const seconds = (performance.now() - t0) / 1000;

  // Let the daemon settle (idle GC), then compare.
  let end = rssKiB();
  for (let i = 0; i < 30 && end > start * 1.1; i++) {
    await sleep(1000);
    end = rssKiB();
  }
  latencies.sort((a, b) => a - b);
  const p = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  console.log(
    `soak: 1000 follow streams + 1000 file reads in ${seconds.toFixed(1)} s, ${restarts} service restarts`,
  );
  console.log(`soak: Version latency during the soak p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms`);
  console.log(
    `soak: basaltd RSS start ${(start / 1024).toFixed(1)} MiB, peak ${(peak / 1024).toFixed(1)} MiB, end ${(end / 1024).toFixed(1)} MiB (${(((end - start) / start) * 100).toFixed(1)}%)`,
  );
  assert.ok(restarts > 0, "the admin never restarted the service");
  assert.ok(end <= start * 1.1, `RSS grew from ${start} KiB to ${end} KiB`);
  // And the node still serves new followers: none leaked (the bus caps them at 256).
  const clients = readers();
  await followAndAbandon("events", clients);
});
