import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { basaltctl, LocalFleet } from "../support/local-fleet.ts";

let fleet: LocalFleet;
let admin: string;
before(async () => {
  fleet = await LocalFleet.start({ addresses: ["127.0.0.2", "127.0.0.3", "127.0.0.4"] });
  admin = fleet.writeClientConfig("admin");
});
after(() => fleet?.stop());

const lines = (s: string) =>
  s
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

test("one command, every node answers, each answer tagged", async () => {
  const r = await basaltctl(["--basaltconfig", admin, "-o", "json", "version"]);
  assert.equal(r.code, 0, r.stderr);
  const answers = lines(r.stdout);
  assert.deepEqual(answers.map((a) => a.node).sort(), ["node-1", "node-2", "node-3"]);
  for (const a of answers) {
    assert.equal(a.value.mode, "agent");
    assert.equal(a.value.nodeVersion, process.version);
  }
});

test("status: one call per node says where it stands (a reader may ask)", async () => {
  const reader = fleet.writeClientConfig("reader");
  const r = await basaltctl(["--basaltconfig", reader, "-o", "json", "status"]);
  assert.equal(r.code, 0, r.stderr);
  const answers = lines(r.stdout);
  assert.deepEqual(answers.map((a) => a.node).sort(), ["node-1", "node-2", "node-3"]);
  for (const a of answers) {
    assert.match(a.value.bootId, /^[0-9a-f-]{36}$/);
    assert.equal(a.value.mode, "agent");
    assert.equal(a.value.healthy, true, JSON.stringify(a.value));
  }
  const table = await basaltctl(["--basaltconfig", admin, "status", "-n", "node-1"]);
  assert.match(table.stdout, /^NODE\s+VERSION\s+SLOT\s+BLESSED\s+HEALTHY/);
});

test("a node that is down is reported with its address; the others still answer; exit code 1", async () => {
  await fleet.stopNode("node-2");
  try {
    const r = await basaltctl(["--basaltconfig", admin, "-o", "json", "memory"]);
    assert.equal(r.code, 1);
    const answers = lines(r.stdout);
    const down = answers.find((a) => a.node === "node-2");
    assert.equal(down.error.code, "unavailable");
    assert.match(
      down.error.message,
      new RegExp(`node ${fleet.node("node-2").endpoint} unreachable: connection refused`),
    );
    const up = answers.filter((a) => a.value);
    assert.equal(up.length, 2);
    for (const a of up) assert.ok(Number(a.value.totalBytes) > 0);
    const table = await basaltctl(["--basaltconfig", admin, "memory"]);
    assert.equal(table.code, 1);
    assert.match(table.stderr, /node-2: error: node .* unreachable/);
    assert.match(table.stdout, /^NODE\s+TOTAL/);
  } finally {
    await fleet.startNode("node-2");
  }
});

test("mutating commands refuse to default to every node", async () => {
  const r = await basaltctl(["--basaltconfig", admin, "reboot"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no nodes were named/);
  assert.match(r.stderr, /-n NODE/);
});

test("reboot in agent mode is refused with FailedPrecondition on every named node", async () => {
  const r = await basaltctl(["--basaltconfig", admin, "-o", "json", "reboot", "-n", "all"]);
  assert.equal(r.code, 1);
  for (const a of lines(r.stdout)) {
    assert.equal(a.error.code, "failed_precondition");
    assert.match(a.error.message, /agent mode/);
  }
});

test("-n by name, -l by label, -e by address", async () => {
  const byName = lines(
    (await basaltctl(["--basaltconfig", admin, "-o", "json", "hostname", "-n", "node-3"])).stdout,
  );
  assert.deepEqual(
    byName.map((a) => a.node),
    ["node-3"],
  );
  const byLabel = lines(
    (await basaltctl(["--basaltconfig", admin, "-o", "json", "hostname", "-l", "index=1"])).stdout,
  );
  assert.deepEqual(
    byLabel.map((a) => a.node),
    ["node-1"],
  );
  const byEndpoint = lines(
    (
      await basaltctl([
        "--basaltconfig",
        admin,
        "-o",
        "json",
        "hostname",
        "-e",
        fleet.node("node-2").endpoint,
      ])
    ).stdout,
  );
  assert.deepEqual(
    byEndpoint.map((a) => a.node),
    ["node-2"],
  );
});

test("a reader may read but not restart; the error names the role needed", async () => {
  const reader = fleet.writeClientConfig("reader");
  assert.equal((await basaltctl(["--basaltconfig", reader, "processes"])).code, 0);
  const r = await basaltctl(["--basaltconfig", reader, "service", "restart", "x", "-n", "node-1"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /needs one of os:admin, os:operator/);
});

test("a client config with the wrong CA says so", async () => {
  const wrong = fleet.writeClientConfig("admin", {
    ca: fleet.ids.otherCa.caCert,
    file: "wrong-ca.basaltconfig",
  });
  const r = await basaltctl(["--basaltconfig", wrong, "version", "-n", "node-1"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /certificate not signed by the CA in your client config/);
});

test("streams: events and logs print one line per message per node", async () => {
  const r = await basaltctl(["--basaltconfig", admin, "-o", "json", "events"]);
  assert.equal(r.code, 0, r.stderr);
  const events = lines(r.stdout);
  assert.ok(
    events.filter((e) => e.node === "node-1").some((e) => /node API listening/.test(e.value.message)),
  );
  const logs = await basaltctl(["--basaltconfig", admin, "logs", "basaltd", "--tail", "1", "-n", "node-1"]);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /^node-1 {2}\{/);
});

test("file reads: allowed paths print, traversal and secrets are refused", async () => {
  const ok = await basaltctl(["--basaltconfig", admin, "read", "/proc/loadavg", "-n", "node-1"]);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /^\d+\.\d+ \d+\.\d+/);
  const logs = fleet.node("node-1").logsDir;
  for (const path of [
    `${logs}/../../../../etc/shadow`,
    "/etc/passwd",
    "/proc/1/environ",
    "/proc/self/root/etc/shadow",
  ]) {
    const r = await basaltctl(["--basaltconfig", admin, "-o", "json", "read", path, "-n", "node-1"]);
    assert.equal(r.code, 1, path);
    assert.equal(lines(r.stdout)[0].error.code, "permission_denied", path);
  }
});
