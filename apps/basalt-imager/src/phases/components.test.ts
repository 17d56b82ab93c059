import assert from "node:assert/strict";
import { test } from "node:test";
import { componentsOf } from "./components.ts";

test("the components a profile needs, once each", () => {
  assert.deepEqual(
    componentsOf([
      { from: "runc/runc" },
      { from: "containerd/containerd" },
      { from: "containerd/containerd-shim-runc-v2" },
      { from: "cni-plugins/bridge" },
    ]),
    ["cni-plugins", "containerd", "runc"],
  );
});
