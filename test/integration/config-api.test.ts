import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ApplyMode, EventService, FileService, SupervisorService } from "@basalt/api";
import { nodeTransport } from "@basalt/client";
import { generateReleaseKey } from "@basalt/machinery";
import { createClient } from "@connectrpc/connect";
import { parse, stringify } from "yaml";
import { basaltctl } from "../support/local-fleet.ts";
import { ConfigFleet, type Doc, rejects } from "./support/config-fleet.ts";

/**
 * ConfigService against real basaltd processes (agent mode): live changes without a restart,
 * refusals that write nothing, dry-run diffs, history and rollback, try-mode revert, and redaction
 * for non-admins (config-credentials.test.ts: revocation and CA rotation).
 * Loopback 127.0.13.2–3 (issue 13) keeps clear of the other suites' addresses.
 */

const nodes = new ConfigFleet(["127.0.13.2", "127.0.13.3"]);
const client = nodes.client.bind(nodes);
const running = nodes.running.bind(nodes);
const ticker = [process.execPath, "-e", "setInterval(() => console.log('tick'), 200)"];

test("a reader and an operator see secrets redacted; an admin sees the key", async () => {
  for (const id of ["reader", "operator"] as const) {
    const c = await client(id).getConfig({});
    assert.equal(c.redacted, true);
    assert.match(c.yaml, /key: <redacted>/);
    assert.doesNotMatch(c.yaml, /PRIVATE KEY/);
  }
  const admin = await client("admin").getConfig({});
  assert.equal(admin.redacted, false);
  assert.match(admin.yaml, /PRIVATE KEY/);
});

test("dry run returns the validated result and a diff, and writes nothing", async () => {
  const node = nodes.fleet.nodes[0]!;
  const file = readFileSync(node.configPath, "utf8");
  const before = await running();
  const r = await basaltctl([
    "--basaltconfig",
    nodes.adminConfig,
    "config",
    "patch",
    "--merge",
    '{"node":{"labels":{"zone":"b"}}}',
    "--dry-run",
    "-n",
    "node-1",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /dry run: 1 change would apply live \(nothing written\)/);
  assert.match(r.stdout, /^- +zone: a$/m);
  assert.match(r.stdout, /^\+ +zone: b$/m);
  assert.equal(readFileSync(node.configPath, "utf8"), file);
  const after = await running();
  assert.equal(after.version, before.version);
  assert.equal(after.doc.node.labels.zone, "a");
});

test("labels and services change live, across a label selector, without a restart", async () => {
  const pids = nodes.fleet.nodes.map((n) => n.process!.pid);
  // One command, a label selector of nodes (the client config labels them index=1, index=2).
  const r = await basaltctl([
    "--basaltconfig",
    nodes.adminConfig,
    "config",
    "patch",
    "--merge",
    JSON.stringify({ node: { labels: { zone: "b" } }, services: [{ name: "ticker", command: ticker }] }),
    "-l",
    "index!=3",
    "-o",
    "json",
  ]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.node).sort(), ["node-1", "node-2"]);
  for (const l of lines) {
    assert.equal(l.value.result.mode, "no-reboot");
    assert.match(l.value.result.message, /applied live; service ticker added and started/);
  }
  for (const [i, n] of nodes.fleet.nodes.entries()) {
    assert.equal(n.process!.pid, pids[i], "basaltd was not restarted");
    const c = await running(i);
    assert.equal(c.doc.node.labels.zone, "b");
    const sup = createClient(
      SupervisorService,
      nodeTransport(n.endpoint, { ca: nodes.fleet.ids.ca.cert, ...nodes.fleet.ids.admin }),
    );
    const deadline = Date.now() + 10_000;
    let state = "";
    while (Date.now() < deadline && state !== "running") {
      state = (await sup.serviceList({})).services.find((s) => s.name === "ticker")?.state ?? "";
      if (state !== "running") await sleep(100);
    }
    assert.equal(state, "running");
    // Written to the file the node starts from.
    assert.equal((parse(readFileSync(n.configPath, "utf8")) as Doc).node.labels.zone, "b");
  }
  // Removing the service stops it.
  await client("admin").patchConfig({
    patch: { case: "jsonPatch", value: JSON.stringify([{ op: "remove", path: "/services/0" }]) },
    mode: ApplyMode.NO_REBOOT,
  });
  const sup = createClient(
    SupervisorService,
    nodeTransport(nodes.fleet.nodes[0]!.endpoint, { ca: nodes.fleet.ids.ca.cert, ...nodes.fleet.ids.admin }),
  );
  assert.equal(
    (await sup.serviceList({})).services.find((s) => s.name === "ticker"),
    undefined,
  );
  const events = createClient(
    EventService,
    nodeTransport(nodes.fleet.nodes[0]!.endpoint, { ca: nodes.fleet.ids.ca.cert, ...nodes.fleet.ids.reader }),
  );
  const seen: string[] = [];
  for await (const e of events.events({ tail: 50 })) seen.push(`${e.kind} ${e.message}`);
  assert.ok(
    seen.some((m) =>
      /^config config version \d+ applied live by admin: node.labels.zone, services.ticker/.test(m),
    ),
    seen.join("\n"),
  );
});

test("the files allow-list and update trusted keys change live", async () => {
  const n = nodes.fleet.nodes[0]!;
  const dir = join(nodes.fleet.dir, "shared");
  mkdirSync(dir);
  writeFileSync(join(dir, "note.txt"), "hello");
  const files = createClient(
    FileService,
    nodeTransport(n.endpoint, { ca: nodes.fleet.ids.ca.cert, ...nodes.fleet.ids.reader }),
  );
  const read = async () => {
    let text = "";
    for await (const chunk of files.read({ path: join(dir, "note.txt") }))
      text += Buffer.from(chunk.data).toString();
    return text;
  };
  await assert.rejects(read());
  const allow = [...(await running()).doc.files.allow, dir];
  await client("admin").patchConfig({
    patch: { case: "mergePatch", value: JSON.stringify({ files: { allow } }) },
  });
  assert.equal(await read(), "hello");
  // Trusted keys: added, then removed, both live.
  const key = generateReleaseKey().publicKey;
  const add = await client("admin").patchConfig({
    patch: {
      case: "jsonPatch",
      value: JSON.stringify([{ op: "add", path: "/update/trustedKeys/-", value: key }]),
    },
  });
  assert.deepEqual(
    add.result!.changes.map((c) => [c.path, c.live]),
    [["update.trustedKeys", true]],
  );
  assert.deepEqual((await running()).doc.update.trustedKeys, [key]);
  await client("admin").patchConfig({
    patch: { case: "jsonPatch", value: JSON.stringify([{ op: "remove", path: "/update/trustedKeys/0" }]) },
  });
  assert.deepEqual((await running()).doc.update.trustedKeys, []);
});

test("a change that needs a reboot is refused in no-reboot mode, listing why, and written in staged mode", async () => {
  const node = nodes.fleet.nodes[0]!;
  const file = readFileSync(node.configPath, "utf8");
  const before = await running();
  await rejects(
    client("admin").patchConfig({
      patch: { case: "mergePatch", value: '{"network":{"hostname":"new"},"api":{"limits":{"calls":64}}}' },
      mode: ApplyMode.NO_REBOOT,
    }),
    "failed_precondition",
    /need a reboot[\s\S]*api\.limits\.calls: connection and call limits are sized at start[\s\S]*network: in agent mode basaltd does not manage the host's network/,
  );
  assert.equal(readFileSync(node.configPath, "utf8"), file, "nothing written");
  assert.equal((await running()).version, before.version);
  // Reboot mode in agent mode without power.allowInAgentMode: refused before anything is written.
  await rejects(
    client("admin").patchConfig({
      patch: { case: "mergePatch", value: '{"network":{"hostname":"new"}}' },
      mode: ApplyMode.REBOOT,
    }),
    "failed_precondition",
    /reboot mode refused: reboot refused: basaltd runs in agent mode.*nothing was written/,
  );
  assert.equal(readFileSync(node.configPath, "utf8"), file, "nothing written");
  const staged = await client("admin").patchConfig({
    patch: { case: "mergePatch", value: '{"network":{"hostname":"new"}}' },
    mode: ApplyMode.STAGED,
  });
  assert.match(staged.result!.message, /the node boots with it next time/);
  assert.equal(staged.result!.changes[0]?.live, false);
  assert.equal((parse(readFileSync(node.configPath, "utf8")) as Doc).network.hostname, "new");
  const now = await running();
  assert.equal(now.doc.network, undefined, "the running config is unchanged");
  assert.equal(now.stagedPending, true);
  // The next start boots with it.
  await nodes.fleet.stopNode("node-1");
  await nodes.fleet.startNode("node-1");
  const rebooted = await running();
  assert.equal(rebooted.doc.network.hostname, "new");
  assert.equal(rebooted.stagedPending, false);
  assert.equal(rebooted.version, staged.result!.version, "the history knows the booted version");
});

test("history names who changed what, and rollback restores an earlier version", async () => {
  const h = await client("reader").configHistory({});
  assert.ok(h.entries.length >= 4, `${h.entries.length} entries`);
  const newest = h.entries[0]!;
  assert.equal(newest.current, true);
  assert.equal(newest.by, "admin");
  assert.equal(newest.mode, "staged");
  assert.ok(newest.serial.length > 0);
  const first = h.entries.at(-1)!;
  assert.equal(first.mode, "boot");
  const r = await basaltctl(["--basaltconfig", nodes.adminConfig, "config", "history", "-n", "node-1"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /VERSION +TIME +BY +MODE +CHANGED/);
  // Rolling back to the first version changes network (needs a reboot): refused live, fine staged.
  await rejects(
    client("admin").configRollback({ version: first.version, mode: ApplyMode.NO_REBOOT }),
    "failed_precondition",
    /network/,
  );
  const rb = await basaltctl([
    "--basaltconfig",
    nodes.adminConfig,
    "config",
    "rollback",
    String(first.version),
    "--mode",
    "staged",
    "-n",
    "node-1",
    "-o",
    "json",
  ]);
  assert.equal(rb.code, 0, rb.stderr);
  const result = JSON.parse(rb.stdout).value.result;
  assert.ok(result.changes.some((c: { path: string }) => c.path === "network"));
  const entries = (await client("admin").configHistory({})).entries;
  assert.match(entries[0]!.note, new RegExp(`rollback to version ${first.version}`));
  assert.equal((parse(readFileSync(nodes.fleet.nodes[0]!.configPath, "utf8")) as Doc).network, undefined);
  await rejects(client("admin").configRollback({ version: 999n }), "not_found", /not in the history/);
});

test("try mode reverts by itself unless confirmed", async () => {
  const node = nodes.fleet.nodes[1]!;
  const file = readFileSync(node.configPath, "utf8");
  const r = await client("admin", 1).patchConfig({
    patch: { case: "mergePatch", value: '{"node":{"labels":{"trial":"yes"}}}' },
    mode: ApplyMode.TRY,
    tryTimeoutSeconds: 2,
  });
  assert.match(r.result!.message, /applied live for 2 s/);
  assert.equal((await running(1)).doc.node.labels.trial, "yes");
  assert.equal(readFileSync(node.configPath, "utf8"), file, "a trial is not written to STATE");
  await rejects(
    client("admin", 1).patchConfig({ patch: { case: "mergePatch", value: '{"node":{"labels":{"x":"1"}}}' } }),
    "failed_precondition",
    /try mode and reverts at/,
  );
  await sleep(3000);
  const after = await running(1);
  assert.equal(after.doc.node.labels.trial, undefined, "reverted");
  const h = (await client("admin", 1).configHistory({})).entries;
  assert.equal(h[0]!.mode, "revert");
  assert.equal(h[0]!.current, true);
  // Confirmed in time: kept and written.
  await client("admin", 1).patchConfig({
    patch: { case: "mergePatch", value: '{"node":{"labels":{"trial":"kept"}}}' },
    mode: ApplyMode.TRY,
    tryTimeoutSeconds: 5,
  });
  const c = await basaltctl(["--basaltconfig", nodes.adminConfig, "config", "confirm", "-n", "node-2"]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /confirmed by admin and written to STATE/);
  await sleep(5500);
  assert.equal((await running(1)).doc.node.labels.trial, "kept");
  assert.equal((parse(readFileSync(node.configPath, "utf8")) as Doc).node.labels.trial, "kept");
});

test("invalid configs and patches are refused with every problem listed, and nothing is written", async () => {
  const node = nodes.fleet.nodes[0]!;
  const file = readFileSync(node.configPath, "utf8");
  const history = readdirSync(`${node.configPath}.history`).length;
  const bad = parse(file) as Doc;
  bad.logging = { maxBytes: 1 };
  bad.services = [{ name: "Bad Name", command: [] }];
  const e = await rejects(
    client("admin").applyConfig({ yaml: stringify(bad) }),
    "invalid_argument",
    /invalid machine config:/,
  );
  assert.match(e.rawMessage, /logging\.maxBytes/);
  assert.match(e.rawMessage, /services\.0\.name: expected a lowercase name/);
  assert.match(e.rawMessage, /services\.0\.command: expected the program and its arguments/);
  await rejects(
    client("admin").patchConfig({
      patch: { case: "jsonPatch", value: '[{"op":"test","path":"/node/name","value":"nope"}]' },
    }),
    "invalid_argument",
    /JSON Patch refused \(operation 0/,
  );
  await rejects(
    client("admin").patchConfig({ patch: { case: "mergePatch", value: "[1,2]" } }),
    "invalid_argument",
    /a merge patch must be an object/,
  );
  // A key that does not match its certificate would leave the node without an API.
  await rejects(
    client("admin").patchConfig({
      patch: { case: "mergePatch", value: JSON.stringify({ api: { key: nodes.fleet.ids.reader.key } }) },
    }),
    "invalid_argument",
    /api: .*key/i,
  );
  await rejects(
    client("operator").patchConfig({ patch: { case: "mergePatch", value: '{"node":{"labels":{"a":"b"}}}' } }),
    "permission_denied",
    /needs one of os:admin/,
  );
  assert.equal(readFileSync(node.configPath, "utf8"), file);
  assert.equal(readdirSync(`${node.configPath}.history`).length, history);
});
