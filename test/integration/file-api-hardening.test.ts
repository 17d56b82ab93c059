import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { FileService, NodeService } from "@basalt/api";
import { explainCallError, nodeTransport } from "@basalt/client";
import { createClient } from "@connectrpc/connect";
import { basaltctl, LocalFleet } from "../support/local-fleet.ts";

/**
 * Issue 12 item 1: the file API opens first and judges the open file; a reader cannot freeze
 * basaltd, read destructive or secret files, or probe for host files through links.
 */
let fleet: LocalFleet;
before(async () => {
  fleet = await LocalFleet.start({
    addresses: ["127.0.0.2"],
    configure: ({ dir }) => ({
      files: {
        allow: [
          "/proc",
          "/sys",
          "/etc/os-release",
          join(dir, "log"),
          join(dir, "reboot-required"),
          "/run/basalt-hardening-test-reboot-required",
        ],
      },
    }),
  });
});
after(() => fleet?.stop());

const endpoint = () => fleet.nodes[0]!.endpoint;
// One client (one HTTP/2 connection) per identity: a node allows each certificate only a few
// connections (api.limits), as it should.
const fileClients = new Map<string, ReturnType<typeof createClient<typeof FileService>>>();
const readerFiles = (as: "reader" | "operator" = "reader") => {
  let c = fileClients.get(as);
  if (!c) {
    c = createClient(FileService, nodeTransport(endpoint(), { ca: fleet.ids.ca.cert, ...fleet.ids[as] }));
    fileClients.set(as, c);
  }
  return c;
};

async function readAll(
  path: string,
  timeoutMs = 10_000,
  as: "reader" | "operator" = "reader",
): Promise<{ text: string } | { code: string; message: string }> {
  try {
    let text = "";
    for await (const c of readerFiles(as).read({ path }, { timeoutMs }))
      text += Buffer.from(c.data).toString();
    return { text };
  } catch (err) {
    const e = explainCallError(err, "");
    return { code: e.code, message: e.message };
  }
}

async function versionWithin(ms: number): Promise<void> {
  const client = createClient(
    NodeService,
    nodeTransport(endpoint(), { ca: fleet.ids.ca.cert, ...fleet.ids.reader }),
  );
  const v = await client.version({}, { timeoutMs: ms });
  assert.equal(v.mode, "agent");
}

test("four `basaltctl read /proc/kmsg` by a reader do not freeze basaltd", async () => {
  const config = fleet.writeClientConfig("reader");
  const runs = await Promise.all(
    [1, 2, 3, 4].map(() => basaltctl(["--basaltconfig", config, "--timeout", "3s", "read", "/proc/kmsg"])),
  );
  for (const r of runs) {
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /never readable/);
  }
  // The thread pool is free: file system work and plain calls still answer at once.
  await versionWithin(3000);
  const meminfo = await readAll("/proc/meminfo", 3000);
  assert.ok("text" in meminfo && meminfo.text.includes("MemTotal"), JSON.stringify(meminfo));
  const v = await basaltctl(["--basaltconfig", config, "--timeout", "5s", "version"]);
  assert.equal(v.code, 0, v.stderr);
});

test("a FIFO in an allowed directory is refused at once, without parking a thread", async () => {
  const fifo = join(fleet.nodes[0]!.logsDir, "trap.fifo");
  execFileSync("mkfifo", [fifo]);
  // More reads than libuv has pool threads (4), from two certificates: one certificate alone may
  // hold only 4 file reads in flight (api.limits).
  const results = await Promise.all(
    (["reader", "reader", "reader", "operator", "operator"] as const).map((as) => readAll(fifo, 3000, as)),
  );
  for (const r of results) {
    assert.ok("code" in r, "a FIFO was read");
    assert.equal(r.code, "invalid_argument", r.message);
    assert.match(r.message, /not a regular file/);
  }
  await versionWithin(3000);
  const meminfo = await readAll("/proc/meminfo", 3000);
  assert.ok("text" in meminfo, JSON.stringify(meminfo));
});

test("the deny list: destructive, secret and kernel-memory files are refused", async () => {
  for (const path of [
    "/proc/kmsg",
    "/proc/kallsyms",
    "/proc/kpageflags",
    "/proc/cmdline",
    "/proc/1/cmdline",
    "/proc/self/environ",
    "/proc/self/maps",
    "/proc/self/mem",
    "/sys/kernel/debug/tracing/trace_pipe",
    "/sys/kernel/tracing/trace_pipe",
  ]) {
    const r = await readAll(path, 5000);
    assert.ok("code" in r, `${path} was readable`);
    assert.equal(r.code, "permission_denied", `${path}: ${r.message}`);
  }
  await versionWithin(3000);
});

test("a denied and a missing path answer the same, and the resolved path is never echoed", async () => {
  const logs = fleet.nodes[0]!.logsDir;
  symlinkSync("/etc/passwd", join(logs, "to-passwd"));
  symlinkSync("/etc/no-such-file-anywhere", join(logs, "to-nothing"));
  symlinkSync("/proc/self/environ", join(logs, "to-environ"));
  const answers = [];
  for (const name of ["to-passwd", "to-nothing", "to-environ", "plain-missing"]) {
    const path = join(logs, name);
    const r = await readAll(path, 5000);
    assert.ok("code" in r, `${path} was readable`);
    assert.doesNotMatch(r.message, /\/etc|environ"? \(|resolves/, r.message);
    answers.push({ code: r.code, message: r.message.replace(path, "PATH") });
  }
  for (const a of answers) assert.deepEqual(a, answers[0]);
  assert.equal(answers[0]!.code, "not_found");
  // Probing through /proc/<pid>/root is refused before the disk is touched.
  const viaRoot = [await readAll("/proc/self/root/etc/passwd"), await readAll("/proc/self/root/etc/nope")];
  for (const r of viaRoot) assert.ok("code" in r && r.code === "permission_denied", JSON.stringify(r));
});

test("/etc/os-release (a symlink on Debian) and a named reboot-required file work where allowed", async () => {
  const os = await readAll("/etc/os-release");
  assert.ok("text" in os, JSON.stringify(os));
  assert.match(os.text, /^ID=/m);
  // A file the allow-list names exactly, reached through a symlink (like /etc/os-release).
  const dir = fleet.nodes[0]!.dir;
  writeFileSync(join(dir, "reboot-required.target"), "*** System restart required ***\n");
  symlinkSync(join(dir, "reboot-required.target"), join(dir, "reboot-required"));
  const rr = await readAll(join(dir, "reboot-required"));
  assert.ok("text" in rr, JSON.stringify(rr));
  assert.match(rr.text, /restart required/);
  // Allowed but absent: not_found, which a caller reads as "no reboot pending" (never permission_denied).
  const absent = await readAll("/run/basalt-hardening-test-reboot-required");
  assert.ok("code" in absent && absent.code === "not_found", JSON.stringify(absent));
  // Not on the allow-list: permission_denied with the reason.
  const outside = await readAll("/run/reboot-required");
  assert.ok("code" in outside && outside.code === "permission_denied", JSON.stringify(outside));
});
