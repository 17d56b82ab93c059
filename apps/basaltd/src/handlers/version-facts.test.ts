import assert from "node:assert/strict";
import { test } from "node:test";
import { versionFacts } from "./version-facts.ts";

/** A file system of texts that counts reads and can be changed or broken between calls. */
function files(initial: Record<string, string>) {
  const texts = new Map(Object.entries(initial));
  const reads = new Map<string, number>();
  const failing = new Set<string>();
  return {
    texts,
    failing,
    reads: (p: string) => reads.get(p) ?? 0,
    readText: async (p: string) => {
      reads.set(p, (reads.get(p) ?? 0) + 1);
      const t = texts.get(p);
      if (t === undefined || failing.has(p)) throw new Error(`ENOENT: ${p}`);
      return t;
    },
  };
}

const machine = () =>
  files({
    "/etc/os-release": 'NAME="Basalt"\nVERSION_ID=0.1.0\n',
    "/proc/sys/kernel/osrelease": "6.1.0-57-cloud-amd64\n",
    "/proc/cmdline": "console=ttyS0 basalt.slot=B loglevel=4\n",
  });

test("reads each file once on an image, and reports what it read", async () => {
  const fs = machine();
  const facts = versionFacts(fs.readText, true);
  const first = await facts();
  assert.deepEqual(first, {
    kernelRelease: "6.1.0-57-cloud-amd64",
    osName: "Basalt",
    osVersion: "0.1.0",
    bootedSlot: "B",
  });
  fs.texts.set("/etc/os-release", 'NAME="Other"\n');
  assert.deepEqual(await facts(), first);
  for (const p of ["/etc/os-release", "/proc/sys/kernel/osrelease", "/proc/cmdline"])
    assert.equal(fs.reads(p), 1, p);
});

test("in agent mode os-release is read on every call (the distro can be upgraded under basaltd)", async () => {
  const fs = machine();
  const facts = versionFacts(fs.readText, false);
  await facts();
  fs.texts.set("/etc/os-release", 'NAME="Debian GNU/Linux"\nVERSION_ID="13"\n');
  const later = await facts();
  assert.equal(later.osName, "Debian GNU/Linux");
  assert.equal(later.osVersion, "13");
  assert.equal(fs.reads("/etc/os-release"), 2);
  assert.equal(fs.reads("/proc/cmdline"), 1);
});

test("a failed read answers empty and is tried again on the next call", async () => {
  const fs = machine();
  fs.failing.add("/proc/cmdline");
  const facts = versionFacts(fs.readText, true);
  assert.equal((await facts()).bootedSlot, "");
  fs.failing.delete("/proc/cmdline");
  assert.equal((await facts()).bootedSlot, "B");
  assert.equal(fs.reads("/proc/cmdline"), 2);
});

test("calls at the same time share one read", async () => {
  const fs = machine();
  const facts = versionFacts(fs.readText, true);
  await Promise.all([facts(), facts(), facts()]);
  assert.equal(fs.reads("/proc/sys/kernel/osrelease"), 1);
});

test("calls at the same time as a failing read all answer", async () => {
  const fs = machine();
  fs.failing.add("/proc/sys/kernel/osrelease");
  const facts = versionFacts(fs.readText, true);
  const answers = await Promise.all([facts(), facts()]);
  assert.deepEqual(
    answers.map((a) => a.kernelRelease),
    ["", ""],
  );
});
