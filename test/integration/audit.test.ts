import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { allServices, FileService, UpgradeService } from "@basalt/api";
import { explainCallError, nodeTransport } from "@basalt/client";
import type { DescMethod } from "@bufbuild/protobuf";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { basaltctl, LocalFleet } from "../support/local-fleet.ts";

interface Row {
  subject: string;
  role: string;
  rpc: string;
  target: string;
  result: string;
  reason: string;
}

let fleet: LocalFleet;
before(async () => {
  fleet = await LocalFleet.start({ addresses: ["127.0.0.2"] });
});
after(() => fleet?.stop());

const node = () => fleet.nodes[0]!;
type Id = "admin" | "operator" | "reader" | "noRole";
const tls = (id: Id) => ({ ca: fleet.ids.ca.cert, ...fleet.ids[id] });
const transport = (id: Id): Transport => nodeTransport(node().endpoint, tls(id));

/** The audit records on disk (the store writes within milliseconds; no sync needed to read). */
async function records(): Promise<Row[]> {
  await new Promise((r) => setTimeout(r, 300));
  const path = join(node().auditDir, "audit.log");
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);
}

async function call(
  t: Transport,
  service: (typeof allServices)[number],
  method: DescMethod,
): Promise<string> {
  const client = createClient(service, t) as unknown as Client<typeof service> &
    Record<string, (req: object, o: object) => unknown>;
  try {
    const streamingInput = method.methodKind === "bidi_streaming" || method.methodKind === "client_streaming";
    const input = streamingInput
      ? (async function* () {
          yield {};
        })()
      : {};
    const res = client[method.localName]!(input, { timeoutMs: 10_000 });
    if (method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming") {
      for await (const _ of res as AsyncIterable<unknown>);
    } else {
      await res;
    }
    return "ok";
  } catch (err) {
    return explainCallError(err, "node").code;
  }
}

const procedures = allServices.flatMap((s) =>
  s.methods.map((m) => ({ service: s, method: m, name: `${s.typeName}/${m.name}` })),
);

for (const id of ["admin", "reader", "noRole"] as Id[]) {
  test(`every RPC as ${id} leaves exactly one audit record with the result the caller saw`, async () => {
    const subject = { admin: "admin", reader: "reader", noRole: "nobody", operator: "operator" }[id];
    const before = (await records()).filter((r) => r.subject === subject).length;
    const t = transport(id);
    const seen: { rpc: string; result: string }[] = [];
    for (const p of procedures) seen.push({ rpc: p.name, result: await call(t, p.service, p.method) });
    const mine = (await records()).filter((r) => r.subject === subject).slice(before);
    assert.deepEqual(
      mine.map((r) => ({ rpc: r.rpc, result: r.result })),
      seen,
    );
    const role = { admin: "os:admin", reader: "os:reader", noRole: "", operator: "os:operator" }[id];
    assert.ok(mine.every((r) => r.role === role));
    if (id !== "admin") assert.ok(seen.some((s) => s.result === "permission_denied"));
    if (id === "noRole") assert.ok(seen.every((s) => s.result === "permission_denied"));
  });
}

test("a read refused inside a stream is audited, and basaltctl audit --refused shows it (admins only)", async () => {
  const files = createClient(FileService, transport("reader"));
  await assert.rejects(async () => {
    for await (const _ of files.read({ path: "/etc/shadow" }));
  });
  const last = (await records()).filter((r) => r.rpc.endsWith("FileService/Read")).at(-1)!;
  assert.deepEqual([last.subject, last.target], ["reader", "/etc/shadow"]);
  // Denied, whether the caller is told so or (file API hardening) told "not found" like a missing file.
  assert.ok(["permission_denied", "not_found"].includes(last.result), last.result);

  const admin = fleet.writeClientConfig("admin");
  const out = await basaltctl(["audit", "--refused", "--since", "1h", "-o", "json", "--basaltconfig", admin]);
  assert.equal(out.code, 0, out.stderr);
  const rows = out.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { node: string; value: Row });
  assert.ok(rows.every((r) => r.value.result !== "ok"));
  assert.ok(rows.some((r) => r.value.target === "/etc/shadow" && r.value.rpc.endsWith("FileService/Read")));
  const readers = await basaltctl([
    "audit",
    "--role",
    "os:reader",
    "--tail",
    "5",
    "-o",
    "json",
    "--basaltconfig",
    admin,
  ]);
  assert.equal(readers.code, 0, readers.stderr);
  const roles = readers.stdout
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { value: Row }).value.role);
  assert.equal(roles.length, 5);
  assert.ok(
    roles.every((r) => r === "os:reader"),
    roles.join(","),
  );
  const table = await basaltctl(["audit", "--refused", "--basaltconfig", admin]);
  assert.match(
    table.stdout,
    /reader\s+os:reader\s+FileService\/Read\s+\/etc\/shadow\s+(permission_denied|not_found)/,
  );

  const denied = await basaltctl([
    "audit",
    "-o",
    "json",
    "--basaltconfig",
    fleet.writeClientConfig("reader"),
  ]);
  assert.equal(denied.code, 1);
  assert.match(denied.stdout, /"code":"permission_denied"/);
});

test("no secret reaches the audit trail: an upgrade URL's query string is removed", async () => {
  const up = createClient(UpgradeService, transport("admin"));
  for (const url of [
    "https://127.0.0.1:1/b.bundle?X-Amz-Signature=SECRET1",
    "ftp://127.0.0.1/b?token=SECRET2",
  ]) {
    await assert.rejects(async () => {
      for await (const _ of up.upgrade({ url }, { timeoutMs: 10_000 }));
    });
  }
  const text = readFileSync(join(node().auditDir, "audit.log"), "utf8");
  assert.doesNotMatch(text, /SECRET/);
  assert.match(text, /https:\/\/127\.0\.0\.1:1\/b\.bundle \[query removed\]/);
});

test("errors stay generic and bounded: a 70,000-character path, undecodable protobuf", async () => {
  const files = createClient(FileService, transport("reader"));
  try {
    for await (const _ of files.read({ path: `/proc/${"a".repeat(70_000)}` }));
    assert.fail("read succeeded");
  } catch (err) {
    const e = explainCallError(err, "node");
    assert.equal(e.code, "invalid_argument", e.message);
    assert.ok(e.message.length <= 512, `${e.message.length} characters`);
  }
  const last = (await records()).at(-1)!;
  assert.equal(last.result, "invalid_argument");
  assert.ok(last.target.length < 300 && last.reason.length < 400);
});
