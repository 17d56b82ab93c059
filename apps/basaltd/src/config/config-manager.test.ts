import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type BasaltError, type MachineConfig, validateMachineConfig } from "@basalt/machinery";
import type { ConfigStore, ConfigVersion } from "../adapters/linux/config-store.ts";
import { type ChangeOptions, ConfigManager } from "./config-manager.ts";
import { applyMergePatch } from "./config-patch.ts";

const pem = (what: string) => `-----BEGIN ${what}-----\nx\n-----END ${what}-----`;
const base = validateMachineConfig({
  apiVersion: "basalt.dev/v1alpha1",
  kind: "MachineConfig",
  node: { name: "a", labels: { zone: "a" } },
  api: {
    listen: "127.0.0.2:50000",
    ca: pem("CERTIFICATE"),
    cert: pem("CERTIFICATE"),
    key: pem("PRIVATE KEY"),
  },
});

/** An in-memory store and recorded side effects: a test double of the disk and the daemon. */
function harness(options: { rebootAllowed?: boolean } = {}) {
  const versions: ConfigVersion[] = [];
  const written: string[] = [];
  const events: string[] = [];
  const reboots: string[] = [];
  let running: MachineConfig = base;
  const store: ConfigStore = {
    path: "/mem/machine.yaml",
    async writeConfig(yaml) {
      written.push(yaml);
    },
    async history() {
      return [...versions];
    },
    async sweep() {
      return 0;
    },
    async record(entry) {
      const v = { version: versions.length + 1, ...entry };
      versions.push(v);
      return v;
    },
  };
  const manager = new ConfigManager({
    store,
    running: () => running,
    async applyLive(next) {
      await sleep(5); // a live apply takes time: concurrent changes must queue behind it
      running = next;
      return [];
    },
    check: (c) => c,
    publish: (m) => events.push(m),
    rebootDecision: () => ({ allowed: options.rebootAllowed ?? false, reason: "agent mode" }),
    reboot: (why) => reboots.push(why),
    onError: (m) => events.push(`error: ${m}`),
  });
  return { manager, versions, written, events, reboots, running: () => running };
}

const who = { by: "admin", serial: "01" };
const opts = (o: Partial<ChangeOptions> = {}): ChangeOptions => ({
  mode: "no-reboot",
  dryRun: false,
  who,
  ...o,
});
const merge = (p: unknown) => (doc: Record<string, unknown>) => applyMergePatch(doc, p);

test("start records the config in force once; a live change is written, applied and recorded", async () => {
  const h = harness();
  await h.manager.start("machine.yaml");
  assert.equal(h.versions.length, 1);
  assert.equal(h.versions[0]!.mode, "boot");
  const r = await h.manager.patch(merge({ node: { labels: { zone: "b" } } }), opts());
  assert.equal(r.version, 2);
  assert.equal(h.running().node.labels.zone, "b");
  assert.equal(h.written.length, 1);
  assert.match(h.events[0]!, /config version 2 applied live by admin: node.labels.zone/);
  const again = await h.manager.patch(merge({ node: { labels: { zone: "b" } } }), opts());
  assert.equal(again.version, 0, "no change, no version");
  assert.equal(h.versions.length, 2);
});

test("concurrent changes queue: both land, numbered in order", async () => {
  const h = harness();
  await h.manager.start("x");
  const [a, b] = await Promise.all([
    h.manager.patch(merge({ node: { labels: { one: "1" } } }), opts()),
    h.manager.patch(merge({ node: { labels: { two: "2" } } }), opts()),
  ]);
  assert.deepEqual([a.version, b.version], [2, 3]);
  assert.deepEqual(h.running().node.labels, { zone: "a", one: "1", two: "2" });
});

test("reboot mode is refused before anything is written when the node may not reboot", async () => {
  const h = harness();
  await h.manager.start("x");
  await assert.rejects(
    h.manager.patch(merge({ network: { hostname: "b" } }), opts({ mode: "reboot" })),
    (e: BasaltError) => e.code === "failed_precondition" && /nothing was written/.test(e.message),
  );
  assert.equal(h.versions.length, 1);
  assert.equal(h.written.length, 0);
  const ok = harness({ rebootAllowed: true });
  await ok.manager.start("x");
  await ok.manager.patch(merge({ network: { hostname: "b" } }), opts({ mode: "reboot" }));
  assert.equal(ok.written.length, 1);
  assert.deepEqual(ok.reboots, ["config version 2"]);
});

test("try mode reverts by itself, and confirm keeps and writes", async () => {
  const h = harness();
  await h.manager.start("x");
  const r = await h.manager.patch(
    merge({ node: { labels: { t: "1" } } }),
    opts({ mode: "try", tryTimeoutSeconds: 1 }),
  );
  assert.ok(r.tryDeadline);
  assert.equal(h.written.length, 0, "a trial is not written");
  assert.equal(h.manager.get(true).tryDeadline?.getTime(), r.tryDeadline.getTime());
  await sleep(1300);
  assert.equal(h.running().node.labels.t, undefined);
  assert.equal(h.versions.at(-1)!.mode, "revert");
  assert.equal(h.manager.get(true).version, h.versions.at(-1)!.version);
  await h.manager.patch(merge({ node: { labels: { t: "2" } } }), opts({ mode: "try", tryTimeoutSeconds: 1 }));
  const c = await h.manager.confirm(who);
  assert.match(c.message, /confirmed by admin/);
  assert.equal(h.written.length, 1);
  await sleep(1300);
  assert.equal(h.running().node.labels.t, "2", "no revert after confirm");
  await assert.rejects(h.manager.confirm(who), /no config applied in try mode/);
  await assert.rejects(
    h.manager.patch(merge({}), opts({ mode: "try", tryTimeoutSeconds: 7200 })),
    /try timeout must be 1-3600 seconds/,
  );
});

test("a staged config is the base of the next staged patch, and a live change says it replaces it", async () => {
  const h = harness();
  await h.manager.start("x");
  await h.manager.patch(merge({ network: { hostname: "b" } }), opts({ mode: "staged" }));
  assert.equal(h.manager.get(true).stagedPending, true);
  const s2 = await h.manager.patch(
    merge({ node: { labels: { s: "1" } } }),
    opts({ mode: "staged", dryRun: true }),
  );
  assert.deepEqual(
    s2.changes.map((c) => c.path),
    ["node.labels.s"],
  );
  const live = await h.manager.patch(merge({ node: { labels: { l: "1" } } }), opts());
  assert.match(live.message, /the config staged for the next boot is replaced/);
  assert.equal(h.manager.get(true).stagedPending, false);
});

test("non-admins get the config with secrets and service arguments redacted", async () => {
  const h = harness();
  await h.manager.patch(
    merge({
      services: [{ name: "db", command: ["/bin/db", "--password=hunter2"], env: { TOKEN: "t0ken" } }],
    }),
    opts(),
  );
  const shown = h.manager.get(false).yaml;
  assert.doesNotMatch(shown, /hunter2|t0ken|PRIVATE KEY-----\nx/);
  assert.match(shown, /\/bin\/db/);
  assert.match(h.manager.get(true).yaml, /hunter2/);
});
