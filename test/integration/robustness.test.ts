import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { connect as h2connect } from "node:http2";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { FileService, NodeService } from "@basalt/api";
import { explainCallError, nodeTransport } from "@basalt/client";
import { createClient } from "@connectrpc/connect";
import { basaltdBundle, LocalFleet } from "../support/local-fleet.ts";

let fleet: LocalFleet;
before(async () => {
  fleet = await LocalFleet.start({ addresses: ["127.0.0.2"] });
});
after(() => fleet?.stop());

const tls = () => ({ ca: fleet.ids.ca.cert, ...fleet.ids.admin });
const endpoint = () => fleet.nodes[0]!.endpoint;

async function stillUp() {
  const client = createClient(NodeService, nodeTransport(endpoint(), tls()));
  const v = await client.version({});
  assert.equal(v.mode, "agent");
}

function h2post(
  path: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const session = h2connect(`https://${endpoint()}`, {
      ca: fleet.ids.ca.cert,
      cert: fleet.ids.admin.cert,
      key: fleet.ids.admin.key,
    });
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ":path": path, ...headers });
    let data = "";
    let head: Record<string, unknown> = {};
    req.on("response", (h) => {
      head = { ...h };
    });
    req.on("trailers", (t) => {
      head = { ...head, ...t };
    });
    req.on("data", (d: Buffer) => {
      data += d;
    });
    req.on("end", () => {
      session.close();
      resolve({ status: Number(head[":status"]), headers: head, body: data });
    });
    req.end(body);
  });
}

test("a malformed gRPC frame gets a clear error and the daemon stays up", async () => {
  const garbage = Buffer.concat([Buffer.from([0, 0, 0, 0, 5]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])]);
  const r = await h2post("/basalt.machine.v1.NodeService/Version", garbage, {
    "content-type": "application/grpc",
    te: "trailers",
  });
  // Undecodable input is the caller's invalid argument (connect-es alone would say Internal).
  assert.equal(String(r.headers["grpc-status"]), "3", JSON.stringify(r.headers));
  assert.match(decodeURIComponent(String(r.headers["grpc-message"])), /parse binary: premature EOF/i);
  const s = await h2post("/basalt.machine.v1.EventService/Events", garbage, {
    "content-type": "application/grpc",
    te: "trailers",
  });
  assert.equal(String(s.headers["grpc-status"]), "3", JSON.stringify(s.headers));
  await stillUp();
});

test("an oversized request is refused before any handler and the daemon stays up", async () => {
  const client = createClient(FileService, nodeTransport(endpoint(), tls()));
  try {
    for await (const _ of client.read({ path: `/proc/${"a".repeat(2 * 1024 * 1024)}` }));
    assert.fail("oversized request accepted");
  } catch (err) {
    const e = explainCallError(err, endpoint());
    assert.equal(e.code, "resource_exhausted", e.message);
  }
  await stillUp();
});

test("an unknown procedure is unimplemented, not a crash", async () => {
  const r = await h2post("/basalt.machine.v1.NodeService/RunCommand", Buffer.alloc(5), {
    "content-type": "application/grpc",
    te: "trailers",
  });
  // gRPC clients read HTTP 404 as Unimplemented.
  assert.ok(r.status === 404 || r.headers["grpc-status"] === "12", JSON.stringify(r.headers));
  await stillUp();
});

test("Connect JSON over HTTP/1.1 works on the same port (curl-friendly)", async () => {
  const [host, port] = endpoint().split(":");
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(
      {
        host,
        port: Number(port),
        method: "POST",
        path: "/basalt.machine.v1.NodeService/Hostname",
        headers: { "content-type": "application/json" },
        ca: fleet.ids.ca.cert,
        cert: fleet.ids.reader.cert,
        key: fleet.ids.reader.key,
      },
      (res) => {
        let d = "";
        res.on("data", (c: Buffer) => {
          d += c;
        });
        res.on("end", () => resolve(d));
      },
    );
    req.on("error", reject);
    req.end("{}");
  });
  assert.ok(JSON.parse(body).hostname);
});

test("a symlink planted in an allowed directory cannot lead out of it", async () => {
  const logs = fleet.nodes[0]!.logsDir;
  symlinkSync("/etc", join(logs, "escape"));
  const client = createClient(FileService, nodeTransport(endpoint(), tls()));
  for (const path of [join(logs, "escape", "shadow"), join(logs, "escape")]) {
    try {
      for await (const _ of client.read({ path }));
      assert.fail(`${path} was readable`);
    } catch (err) {
      const e = explainCallError(err, endpoint());
      // Answered exactly as a missing file: no probing for host files through links.
      assert.equal(e.code, "not_found", path);
      assert.doesNotMatch(e.message, /\/etc/, "the resolved path is not echoed");
    }
  }
  await assert.rejects(client.list({ path: join(logs, "escape") }), /does not exist or is not readable/);
  const missing = await client
    .list({ path: join(logs, "nope") })
    .catch((err: unknown) => explainCallError(err, ""));
  assert.equal((missing as { code: string }).code, "not_found");
});

test("an invalid machine config is refused at start with every problem listed by path", async () => {
  const dir = mkdtempSync(join(tmpdir(), "basalt-badcfg-"));
  const path = join(dir, "bad.yaml");
  writeFileSync(
    path,
    "apiVersion: basalt.dev/v1alpha1\nkind: MachineConfig\nnode: {}\napi: { listen: nowhere }\nnetwork: { hostname: 5 }\n",
  );
  const child = spawn(process.execPath, [basaltdBundle, "--config", path]);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d;
  });
  const code = await new Promise((r) => child.on("exit", r));
  assert.equal(code, 2);
  assert.match(stderr, /node\.name: expected string/);
  assert.match(stderr, /api\.listen: expected address:port/);
  assert.match(stderr, /api\.ca: expected string/);
  assert.match(stderr, /network\.hostname: expected string/);
});
