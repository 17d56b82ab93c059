import assert from "node:assert/strict";
import { test } from "node:test";
import { policyViolations } from "./tree.ts";

test("a shell or a package manager anywhere in the root is a violation", () => {
  const entries = [
    { path: "usr/bin/node", type: "file" as const, size: 1 },
    { path: "usr/bin/sh", type: "symlink" as const, size: 0 },
    { path: "usr/lib/dpkg", type: "dir" as const, size: 0 },
    { path: "usr/sbin/sshd", type: "file" as const, size: 1 },
  ];
  assert.deepEqual(policyViolations(entries), ["/usr/bin/sh", "/usr/sbin/sshd"]);
});
