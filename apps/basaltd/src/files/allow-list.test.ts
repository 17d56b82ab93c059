import assert from "node:assert/strict";
import { test } from "node:test";
import { checkOpenedPath, checkRequestedPath, isDenied } from "./allow-list.ts";

const roots = ["/proc", "/sys", "/var/log/basalt", "/etc/os-release"];

test("requested paths must be absolute, clean and inside the roots before the disk is touched", () => {
  assert.equal(checkRequestedPath("etc/passwd", roots).allowed, false);
  assert.equal(checkRequestedPath("/proc/\0x", roots).allowed, false);
  assert.equal(checkRequestedPath("", roots).allowed, false);
  assert.equal(checkRequestedPath("/var/log/basalt/../../../etc/shadow", roots).allowed, false);
  assert.deepEqual(checkRequestedPath("/var/log/basalt/./a/../b.log", roots), {
    allowed: true,
    path: "/var/log/basalt/b.log",
  });
  assert.equal(checkRequestedPath("/proc/self/root/etc/shadow", roots).allowed, false);
  assert.equal(checkRequestedPath("/proc/1/cwd", roots).allowed, false);
});

test("the deny list: what reads destructively or leaks", () => {
  const cases: [string, boolean][] = [
    ["/proc/kmsg", true],
    ["/proc/kallsyms", true],
    ["/proc/kpagecount", true],
    ["/proc/kpageflags", true],
    ["/proc/cmdline", true],
    ["/proc/1/cmdline", true],
    ["/proc/self/environ", true],
    ["/proc/12/task/13/environ", true],
    ["/proc/1/mem", true],
    ["/proc/1/maps", true],
    ["/proc/1/smaps", true],
    ["/proc/kcore", true],
    ["/proc/self/root", true],
    ["/proc/self/root/etc/passwd", true],
    ["/sys/kernel/debug", true],
    ["/sys/kernel/debug/tracing/trace_pipe", true],
    ["/sys/kernel/tracing/trace_pipe", true],
    ["/sys/devices/pci0000:00/0000:00:02.0/resource0", true],
    ["/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/resource2_wc", true],
    ["/sys/devices/pci0000:00/0000:00:02.0/rom", true],
    ["/sys/bus/pci/devices/0000:00:02.0/config", true],
    ["/proc/1/status", false],
    ["/proc/meminfo", false],
    ["/proc/1/stat", false],
    ["/sys/devices/pci0000:00/0000:00:02.0/vendor", false],
    ["/sys/kernel/mm/transparent_hugepage/enabled", false],
  ];
  for (const [path, want] of cases) assert.equal(isDenied(path), want, path);
});

test("opened paths: inside the roots, or the target of a path the allow-list names exactly", () => {
  assert.equal(checkOpenedPath("/proc/meminfo", "/proc/meminfo", roots).allowed, true);
  assert.equal(checkOpenedPath("/usr/lib/os-release", "/etc/os-release", roots).allowed, true);
  assert.equal(checkOpenedPath("/etc/shadow", "/var/log/basalt/link", roots).allowed, false);
  assert.equal(checkOpenedPath("/var/log/basaltx/evil", "/var/log/basalt/x", roots).allowed, false);
  assert.equal(checkOpenedPath("/proc/kmsg", "/proc/self/fd/9", roots).allowed, false);
});

test("a path longer than PATH_MAX is malformed, and the answer does not echo it", () => {
  const d = checkRequestedPath(`/proc/${"a".repeat(70_000)}`, ["/proc"]);
  assert.equal(d.allowed, false);
  assert.ok(!d.allowed && d.malformed && d.reason.length < 100, JSON.stringify(d).slice(0, 200));
});
