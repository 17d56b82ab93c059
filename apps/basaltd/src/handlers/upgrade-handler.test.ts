import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { toConnectError, UpgradeService } from "@basalt/api";
import { explainCallError } from "@basalt/client";
import {
  type BundleManifest,
  generateReleaseKey,
  type MachineConfig,
  signManifest,
  writeBundle,
} from "@basalt/machinery";
import { createClient, createRouterTransport, type Interceptor } from "@connectrpc/connect";
import { espDirectory } from "../adapters/linux/esp-dir.ts";
import { slotBlockDevices } from "../adapters/linux/slot-block-devices.ts";
import type { Peer } from "../api/peer.ts";
import { peerKey } from "../api/peer.ts";
import type { DaemonContext } from "../daemon-context.ts";
import { EventBus } from "../events/event-bus.ts";
import { fakeUki } from "../update/test-support/fake-uki.ts";
import { memoryStateStore } from "../update/upgrade-state.ts";
import { upgradeService } from "./upgrade-handler.ts";

/**
 * Issue 12 item 8, in memory (an A/B node is needed, which agent mode is not): the upgrade lock
 * lives as long as the install, a disconnect aborts it cleanly, and readers see no URL secrets.
 */
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const key = generateReleaseKey();
let dir: string;
let server: Server;
let base: string;
let bundle: Buffer;
const served = { requests: 0, closedEarly: 0 };

async function makeBundle(version: string): Promise<Buffer> {
  const root = Buffer.alloc(3 * 1024 * 1024, 7);
  const ukis = {
    A: fakeUki(`basalt.slot=A basalt.version=${version}`, 20_000),
    B: fakeUki(`basalt.slot=B basalt.version=${version}`, 20_000),
  };
  const manifest: BundleManifest = {
    format: "basalt-bundle/v1",
    version,
    arch: "x86_64",
    minUpgradeFrom: "0.1.0",
    uki: {
      A: { file: "uki-a.efi", size: ukis.A.length, sha256: sha(ukis.A) },
      B: { file: "uki-b.efi", size: ukis.B.length, sha256: sha(ukis.B) },
    },
    root: { file: "root.img", size: root.length, sha256: sha(root), verityRootHash: sha(root) },
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const chunks: Uint8Array[] = [];
  const one = (b: Uint8Array) =>
    async function* () {
      yield b;
    };
  for await (const c of writeBundle({
    manifest: bytes,
    signature: signManifest(bytes, key.privateKey),
    components: [
      { name: "uki-a.efi", size: ukis.A.length, body: one(ukis.A) },
      { name: "uki-b.efi", size: ukis.B.length, body: one(ukis.B) },
      { name: "root.img", size: root.length, body: one(root) },
    ],
  }))
    chunks.push(c);
  return Buffer.concat(chunks);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "basalt-upgrade-handler-"));
  bundle = await makeBundle("2.0.0");
  // Serves the bundle slowly (32 KiB every 20 ms, 2 s in all), so a client can leave mid-way.
  server = createServer(async (req, res) => {
    served.requests++;
    let closed = false;
    res.on("close", () => {
      if (!res.writableFinished) {
        closed = true;
        served.closedEarly++;
      }
    });
    if (req.url?.startsWith("/loop")) {
      res.writeHead(302, { location: "/loop" }).end();
      return;
    }
    res.writeHead(200, { "content-length": String(bundle.length) });
    for (let i = 0; i < bundle.length && !closed; i += 32768) {
      res.write(bundle.subarray(i, i + 32768));
      await sleep(20);
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function node() {
  const esp = join(dir, `esp-${Math.random().toString(36).slice(2)}`);
  mkdirSync(esp);
  writeFileSync(join(esp, "basalt-1.0.0.efi"), fakeUki("basalt.slot=A basalt.version=1.0.0"));
  const slots = { A: join(esp, "..", `${Date.now()}-a.img`), B: join(esp, "..", `${Date.now()}-b.img`) };
  writeFileSync(slots.A, Buffer.alloc(8 * 1024 * 1024));
  writeFileSync(slots.B, Buffer.alloc(8 * 1024 * 1024));
  const events = new EventBus();
  const ctx = {
    config: { update: { trustedKeys: [key.publicKey] } } as MachineConfig,
    events,
    update: {
      // Preparing the slot takes a while (as removing entries and syncing a real ESP can), so a
      // client that leaves while it runs leaves an install that has not stopped yet.
      esp: {
        ...espDirectory(esp),
        list: async () => {
          await sleep(300);
          return espDirectory(esp).list();
        },
      },
      slots: slotBlockDevices(slots),
      booted: { slot: "A", version: "1.0.0", arch: "x86_64" },
      state: memoryStateStore(),
      bootCountPath: async () => undefined,
    },
    power: async () => {},
  } as unknown as DaemonContext;
  return { ctx, esp, events };
}

function clientFor(ctx: DaemonContext, role: "os:admin" | "os:reader") {
  const peer: Peer = {
    address: "127.0.0.1",
    authorized: true,
    authorizationError: "",
    hasCertificate: true,
    commonName: role,
    organizations: [role],
    validTo: "",
  };
  // The real gate needs the server's request gate; here only its error normalization matters.
  const normalizeErrors: Interceptor = (next) => async (req) => {
    const res = await next(req).catch((err: unknown) => {
      throw toConnectError(err);
    });
    if (!res.stream) return res;
    const inner = res.message;
    return {
      ...res,
      message: (async function* () {
        try {
          yield* inner;
        } catch (err) {
          throw toConnectError(err);
        }
      })(),
    };
  };
  const asPeer: Interceptor = (next) => (req) => {
    req.contextValues.set(peerKey, peer);
    return next(req);
  };
  return createClient(
    UpgradeService,
    createRouterTransport((router) => router.service(UpgradeService, upgradeService(ctx)), {
      router: { interceptors: [asPeer, normalizeErrors] },
    }),
  );
}

test("a client that goes away aborts the install; the lock is held until it has stopped", async () => {
  const { ctx, esp, events } = node();
  const admin = clientFor(ctx, "os:admin");
  const reader = clientFor(ctx, "os:reader");
  const url = `${base}/bundle.tar?token=s3cret-signature`;
  const leave = new AbortController();
  const phases: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const r of admin.upgrade({ url, options: { stage: true } }, { signal: leave.signal })) {
        phases.push(r.progress?.phase ?? "");
        if (r.progress?.phase === "verifying" && r.progress.percent === 100) leave.abort();
      }
    })(),
  );
  assert.ok(phases.includes("verifying"), `${phases.join()} ${JSON.stringify(events.history())}`);
  // A second upgrade right away is refused while the first is still stopping.
  const second = await (async () => {
    try {
      for await (const _ of admin.upgrade({ url: `${base}/bundle.tar`, options: { stage: true } }))
        return "accepted";
      return "accepted";
    } catch (err) {
      return explainCallError(err, "").message;
    }
  })();
  assert.match(second, /already in progress/);
  // Readers see no query string of the URL in progress; admins do.
  const seenByReader = (await reader.upgradeStatus({})).inProgress;
  const seenByAdmin = (await admin.upgradeStatus({})).inProgress;
  if (seenByReader) {
    assert.doesNotMatch(seenByReader, /s3cret/);
    assert.match(seenByAdmin, /s3cret/);
  }
  // The install stops soon: the download is cancelled, nothing new boots.
  for (let i = 0; i < 100 && (await admin.upgradeStatus({})).inProgress; i++) await sleep(50);
  assert.equal((await admin.upgradeStatus({})).inProgress, "");
  assert.deepEqual(
    readdirSync(esp).filter((f) => f.endsWith(".efi")),
    ["basalt-1.0.0.efi"],
    JSON.stringify(events.history()),
  );
  for (let i = 0; i < 40 && served.closedEarly === 0; i++) await sleep(50);
  assert.ok(
    served.closedEarly >= 1,
    `the server never saw the download cancelled ${JSON.stringify(events.history())}`,
  );
  // Then a new upgrade runs to the end.
  let last = "";
  for await (const r of admin.upgrade({ url: `${base}/bundle.tar`, options: { stage: true } }))
    last = r.progress?.phase ?? "";
  assert.equal(last, "staged");
  assert.ok(readdirSync(esp).includes("basalt-2.0.0+3.efi"));
});

test("readers see upgrade events without the URL's query string", async () => {
  const { ctx, events } = node();
  const admin = clientFor(ctx, "os:admin");
  await assert.rejects(async () => {
    for await (const _ of admin.upgrade({ url: `${base}/loop?token=s3cret` }));
  }, /more than 5 redirects/);
  const failed = events.history().find((e) => e.kind === "upgrade")!;
  assert.match(
    failed.message,
    /upgrade failed: fetching http:\/\/127\.0\.0\.1:\d+\/loop .*more than 5 redirects/,
  );
  assert.doesNotMatch(`${failed.subject} ${failed.forReaders ?? failed.message}`, /s3cret/);
});
