import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { EventService } from "@basalt/api";
import { nodeTransport } from "@basalt/client";
import { ConnectError, createClient } from "@connectrpc/connect";
import { parse, stringify } from "yaml";
import { basaltctl } from "../support/local-fleet.ts";
import { ConfigFleet, type Doc } from "./support/config-fleet.ts";

/**
 * Client credentials changed through ConfigService on real basaltd processes: the serial denylist
 * cutting a live session, and client CA rotation with overlap. Loopback 127.0.13.4–5.
 */

const nodes = new ConfigFleet(["127.0.13.4", "127.0.13.5"]);
const client = nodes.client.bind(nodes);
const running = nodes.running.bind(nodes);

test("a revoked client certificate is refused from then on, its live session cut", async () => {
  const n = nodes.fleet.nodes[0]!;
  const serial = new X509Certificate(nodes.fleet.ids.operator.cert).serialNumber;
  const events = createClient(
    EventService,
    nodeTransport(n.endpoint, { ca: nodes.fleet.ids.ca.cert, ...nodes.fleet.ids.operator }),
  );
  // A followed stream holds the operator's HTTP/2 session open.
  const stream = (async () => {
    let count = 0;
    for await (const _ of events.events({ follow: true, tail: 1 })) count++;
    return count;
  })();
  const streamOutcome = stream.then(
    () => "ended",
    (err: unknown) => `error: ${ConnectError.from(err).message}`,
  );
  await sleep(500);
  const r = await client("admin").patchConfig({
    patch: { case: "mergePatch", value: JSON.stringify({ api: { revokedSerials: [serial.toLowerCase()] } }) },
  });
  assert.match(r.result!.message, /1 serial\(s\) revoked, [1-9]\d* live connection\(s\) cut/);
  const outcome = await Promise.race([streamOutcome, sleep(5000).then(() => "still open")]);
  assert.notEqual(outcome, "still open", "the live session was cut");
  // A new connection is refused too; the admin is not affected.
  await assert.rejects(client("operator").getConfig({}));
  const op = nodes.fleet.writeClientConfig("operator");
  const refused = await basaltctl(["--basaltconfig", op, "config", "get", "-n", "node-1"]);
  assert.equal(refused.code, 1);
  assert.equal((await running()).doc.api.revokedSerials.length, 1);
  // Lifted: the operator is back.
  await client("admin").patchConfig({
    patch: { case: "mergePatch", value: '{"api":{"revokedSerials":[]}}' },
  });
  assert.equal((await client("operator").getConfig({})).redacted, true);
});

test("client CA rotation with overlap: old and new admins both work, then only the new one", async () => {
  const secrets = join(nodes.fleet.dir, "secrets.yaml");
  writeFileSync(secrets, stringify({ ca: nodes.fleet.ids.ca }), { mode: 0o600 });
  const out = join(nodes.fleet.dir, "rotate");
  const g = await basaltctl([
    "--basaltconfig",
    nodes.adminConfig,
    "gen",
    "secrets",
    "rotate",
    "--secrets",
    secrets,
    "--out",
    out,
  ]);
  assert.equal(g.code, 0, g.stderr);
  const newAdmin = join(out, "basaltconfig");
  const get = (cfg: string) =>
    basaltctl(["--basaltconfig", cfg, "config", "get", "-n", "node-2", "-o", "json"]);
  const overlap = await basaltctl([
    "--basaltconfig",
    nodes.adminConfig,
    "config",
    "patch",
    "--merge-file",
    join(out, "node-2.overlap.yaml"),
    "-n",
    "node-2",
  ]);
  assert.equal(overlap.code, 0, overlap.stderr);
  assert.equal((await get(nodes.adminConfig)).code, 0, "old admin works in the overlap");
  const fresh = await get(newAdmin);
  assert.equal(fresh.code, 0, `new admin works in the overlap: ${fresh.stderr}`);
  const final = await basaltctl([
    "--basaltconfig",
    newAdmin,
    "config",
    "patch",
    "--merge-file",
    join(out, "node-2.final.yaml"),
    "-n",
    "node-2",
  ]);
  assert.equal(final.code, 0, final.stderr);
  assert.equal((await get(newAdmin)).code, 0, "new admin works after the old CA is dropped");
  const old = await get(nodes.adminConfig);
  assert.equal(old.code, 1, "old admin refused");
  // The node now serves a certificate of the new CA.
  const served = parse(readFileSync(nodes.fleet.nodes[1]!.configPath, "utf8")) as Doc;
  const newCa = new X509Certificate((parse(readFileSync(join(out, "secrets.yaml"), "utf8")) as Doc).ca.cert);
  assert.ok(new X509Certificate(served.api.cert).checkIssued(newCa));
});
