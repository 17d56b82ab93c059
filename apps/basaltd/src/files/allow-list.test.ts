import assert from "node:assert/strict";
import { test } from "node:test";
import { checkRequestedPath, checkResolvedPath } from "./allow-list.ts";

const roots = ["/proc", "/sys", "/var/log/basalt"];

test("requested paths must be absolute and clean", () => {
  assert.equal(checkRequestedPath("etc/passwd").allowed, false);
  assert.equal(checkRequestedPath("/proc/\0x").allowed, false);
  assert.equal(checkRequestedPath("").allowed, false);
  assert.deepEqual(checkRequestedPath("/var/log/basalt/../../../etc/shadow"), {
    allowed: true,
    path: "/etc/shadow",
  });
});

test("resolved paths: inside the roots, outside the denied files", () => {
  const cases: [string, boolean][] = [
    ["/proc/meminfo", true],
    ["/proc", true],
    ["/sys/class/net/lo/mtu", true],
    ["/var/log/basalt/containerd.log", true],
    ["/var/log/basaltx/evil", false],
    ["/etc/shadow", false],
    ["/", false],
    ["/proc/1/environ", false],
    ["/proc/self/environ", false],
    ["/proc/12/task/13/environ", false],
    ["/proc/1/mem", false],
    ["/proc/kcore", false],
    ["/proc/1/status", true],
  ];
  for (const [path, want] of cases) {
    const d = checkResolvedPath(path, roots, path);
    assert.equal(d.allowed, want, `${path}: ${d.allowed ? "" : d.reason}`);
  }
});

test("the reason names where a symlink led", () => {
  const d = checkResolvedPath("/etc/shadow", roots, "/var/log/basalt/link");
  assert.ok(!d.allowed && d.reason.includes('resolves to "/etc/shadow"'));
});
