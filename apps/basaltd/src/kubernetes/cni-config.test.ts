import assert from "node:assert/strict";
import { test } from "node:test";
import { podCidrPlaceholder, renderCniConflist } from "./cni-config.ts";

test("the bridge conflist uses host-local on the node's podCIDR, without its own masquerade (basaltd keeps pod-to-pod unNATed), and portmap", () => {
  const c = JSON.parse(renderCniConflist("10.244.1.0/24"));
  assert.equal(c.cniVersion, "1.0.0");
  const [bridge, portmap] = c.plugins;
  assert.equal(bridge.type, "bridge");
  assert.equal(bridge.isGateway, true);
  assert.equal(bridge.ipMasq, false);
  assert.equal(bridge.hairpinMode, true);
  assert.equal(bridge.ipam.type, "host-local");
  assert.deepEqual(bridge.ipam.ranges, [[{ subnet: "10.244.1.0/24" }]]);
  assert.deepEqual(bridge.ipam.routes, [{ dst: "0.0.0.0/0" }]);
  assert.equal(portmap.type, "portmap");
});

test("the template holds containerd's PodCIDR placeholder, and is JSON once filled in", () => {
  const template = renderCniConflist();
  assert.ok(template.includes(`"subnet": "${podCidrPlaceholder}"`));
  // What containerd does with the Go template: substitute the node's range.
  const rendered = template.replace(podCidrPlaceholder, "10.244.0.0/24");
  assert.deepEqual(JSON.parse(rendered).plugins[0].ipam.ranges, [[{ subnet: "10.244.0.0/24" }]]);
});
