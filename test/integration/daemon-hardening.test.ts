import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { EventService, NodeService, SupervisorService } from "@basalt/api";
import { nodeTransport } from "@basalt/client";
import { createClient } from "@connectrpc/connect";
import { LocalFleet } from "../support/local-fleet.ts";

/**
 * Issue 12 items 4 and 5 against a real basaltd: readers see no secrets (argv, events), and a full
 * logs directory drops log lines with an event instead of crashing the daemon.
 */
const secret = "s3cret-token-4711";
let fleet: LocalFleet;
let logsMount = "";

before(async () => {
  fleet = await LocalFleet.start({
    addresses: ["127.0.0.2"],
    configure: ({ dir }) => {
      // The logs directory is a tiny filesystem of its own, so the test can fill it.
      logsMount = join(dir, "log");
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=192k,mode=0755", "tmpfs", logsMount]);
      return {
        services: [
          // `; true` keeps the shell alive (no exec), so the secret stays in its /proc/<pid>/cmdline.
          { name: "secretive", command: ["/bin/sh", "-c", "sleep 600; true", secret] },
          {
            name: "chatty",
            command: [
              "/bin/sh",
              "-c",
              'i=0; while :; do i=$((i+1)); echo "line $i $(printf %0300d 0)"; sleep 0.002; done',
            ],
            autostart: false,
          },
        ],
      };
    },
  });
});
after(async () => {
  if (fleet) for (const n of fleet.nodes) await fleet.stopNode(n.name);
  if (logsMount) execFileSync("umount", ["-l", logsMount]);
  await fleet?.stop();
});

const endpoint = () => fleet.nodes[0]!.endpoint;
const as = (who: "admin" | "reader") =>
  nodeTransport(endpoint(), { ca: fleet.ids.ca.cert, ...fleet.ids[who] });

async function eventsText(who: "admin" | "reader"): Promise<string> {
  const out: string[] = [];
  for await (const e of createClient(EventService, as(who)).events({ tail: 0, follow: false }))
    out.push(`${e.subject} ${e.message}`);
  return out.join("\n");
}

test("readers see no secrets in process arguments, service events or the service list; admins do", async () => {
  let procs = "";
  for (let i = 0; i < 50 && !procs.includes(secret); i++) {
    const p = await createClient(NodeService, as("admin")).processes({});
    procs = p.processes.map((x) => x.args).join("\n");
    if (!procs.includes(secret)) await sleep(100);
  }
  assert.match(procs, new RegExp(secret), "the admin sees the full command line");
  const readerProcs = (await createClient(NodeService, as("reader")).processes({})).processes;
  assert.doesNotMatch(readerProcs.map((x) => x.args).join("\n"), new RegExp(secret));
  assert.ok(
    readerProcs.some((x) => /^\/bin\/sh \(\d+ arguments hidden\)$/.test(x.args)),
    "readers see the program",
  );

  assert.match(await eventsText("admin"), new RegExp(secret));
  const readerEvents = await eventsText("reader");
  assert.doesNotMatch(readerEvents, new RegExp(secret));
  assert.match(readerEvents, /starting \/bin\/sh \(3 arguments hidden\)/);

  const list = async (who: "admin" | "reader") =>
    (await createClient(SupervisorService, as(who)).serviceList({})).services
      .flatMap((s) => s.events.map((e) => e.message))
      .join("\n");
  assert.match(await list("admin"), new RegExp(secret));
  assert.doesNotMatch(await list("reader"), new RegExp(secret));
});

test("a full logs directory drops log lines with an event; basaltd keeps answering", async () => {
  const admin = createClient(SupervisorService, as("admin"));
  // Leave a few KiB free, then let a chatty service fill them.
  const filler = join(logsMount, "filler");
  try {
    execFileSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=4k", "count=1000"], { stdio: "ignore" });
  } catch {
    // dd stops with "No space left on device": the filesystem is full, as wanted.
  }
  rmSync(filler);
  writeFileSync(filler, Buffer.alloc(150 * 1024));
  await admin.serviceStart({ name: "chatty" });
  let events = "";
  for (let i = 0; i < 100 && !/dropping log lines/.test(events); i++) {
    await sleep(100);
    events = await eventsText("reader");
  }
  assert.match(events, /chatty\.log dropping log lines: cannot write .*chatty\.log \(ENOSPC\)/);
  // It keeps going for a while on a full disk, and the daemon answers throughout.
  for (let i = 0; i < 10; i++) {
    const v = await createClient(NodeService, as("reader")).version({}, { timeoutMs: 3000 });
    assert.equal(v.mode, "agent");
    await sleep(100);
  }
  assert.equal(fleet.nodes[0]!.process?.exitCode, null, "basaltd exited");
  // Space comes back: logging resumes and says how much was lost.
  rmSync(filler);
  for (let i = 0; i < 100 && !/writing .*chatty\.log again; \d+ lines were dropped/.test(events); i++) {
    await sleep(100);
    events = await eventsText("reader");
  }
  assert.match(events, /writing .*chatty\.log again; \d+ lines were dropped/);
  await admin.serviceStop({ name: "chatty" });
});
