import assert from "node:assert/strict";
import { test } from "node:test";
import { renderPodMasquerade } from "./pod-masquerade.ts";

test("pods masquerade only off the pod network: every Node's podCIDR is exempt, multicast too", () => {
  const script = renderPodMasquerade("10.244.1.0/24", ["10.244.2.0/24", "10.244.1.0/24"]);
  assert.ok(script.startsWith("table ip basalt_pods\ndelete table ip basalt_pods\ntable ip basalt_pods {"));
  assert.match(script, /elements = \{ 10\.244\.1\.0\/24, 10\.244\.2\.0\/24 \}/);
  assert.match(script, /type nat hook postrouting priority srcnat; policy accept;/);
  assert.match(
    script,
    /ip saddr 10\.244\.1\.0\/24 ip daddr != @pod_cidrs ip daddr != 224\.0\.0\.0\/4 masquerade/,
  );
});

test("no own podCIDR: the table is removed; a CIDR that is not one is refused before nft sees it", () => {
  assert.equal(
    renderPodMasquerade(undefined, ["10.244.2.0/24"]),
    "table ip basalt_pods\ndelete table ip basalt_pods\n",
  );
  assert.throws(
    () => renderPodMasquerade("10.244.1.0/24", ["10.244.2.0/24; flush ruleset"]),
    /not a canonical IPv4 CIDR/,
  );
  assert.throws(() => renderPodMasquerade("10.244.1.1/24", []), /not a canonical IPv4 CIDR/);
});
