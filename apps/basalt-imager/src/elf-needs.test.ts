import assert from "node:assert/strict";
import { test } from "node:test";
import { neededClosure, parseNeeded, unresolvedNeeds } from "./elf-needs.ts";

test("NEEDED entries are read from objdump -p output", () => {
  const out =
    "Dynamic Section:\n  NEEDED               libseccomp.so.2\n  NEEDED               libc.so.6\n  FLAGS_1  0x8000001\n";
  assert.deepEqual(parseNeeded(out), ["libseccomp.so.2", "libc.so.6"]);
});

test("the closure follows libraries' own needs once each", async () => {
  const deps: Record<string, string[]> = {
    "a.so": ["b.so", "libc.so.6"],
    "b.so": ["libc.so.6"],
    "libc.so.6": [],
  };
  assert.deepEqual(await neededClosure(["a.so"], async (s) => deps[s] ?? []), ["a.so", "b.so", "libc.so.6"]);
});

test("unresolved needs name the file and the missing library", () => {
  const needs = new Map([
    ["usr/bin/runc", ["libseccomp.so.2", "libc.so.6"]],
    ["usr/sbin/xtables-nft-multi", ["libnftnl.so.11", "libc.so.6"]],
    ["usr/bin/containerd", []],
  ]);
  assert.deepEqual(unresolvedNeeds(needs, new Set(["libc.so.6", "libnftnl.so.11"])), [
    "/usr/bin/runc needs libseccomp.so.2",
  ]);
  assert.deepEqual(unresolvedNeeds(needs, new Set(["libc.so.6", "libnftnl.so.11", "libseccomp.so.2"])), []);
});
