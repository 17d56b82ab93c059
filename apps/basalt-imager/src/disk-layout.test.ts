import assert from "node:assert/strict";
import { test } from "node:test";
import { planDisk, sgdiskArgs } from "./disk-layout.ts";

test("partitions are contiguous, 1 MiB aligned, in the design's order", () => {
  const { partitions, totalBytes } = planDisk({ espMiB: 512, rootMiB: 1024, stateMiB: 256 });
  assert.deepEqual(
    partitions.map((p) => p.name),
    ["ESP", "ROOT-A", "ROOT-B", "STATE"],
  );
  assert.equal(partitions[0]!.firstSector, 2048);
  for (let i = 1; i < partitions.length; i++)
    assert.equal(partitions[i]!.firstSector, partitions[i - 1]!.lastSector + 1);
  assert.equal(totalBytes, (1 + 512 + 1024 + 1024 + 256 + 1) * 1048576);
  assert.ok(sgdiskArgs(partitions, "x").includes("-c2:ROOT-A"));
});
