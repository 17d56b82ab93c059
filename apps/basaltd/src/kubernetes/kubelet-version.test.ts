import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import type { Host } from "../host.ts";
import { KubeletVersion, parseKubeletVersion } from "./kubelet-version.ts";

test("the version is read from `kubelet --version`'s one line, and nothing else passes for one", () => {
  assert.equal(parseKubeletVersion("Kubernetes v1.34.4\n"), "v1.34.4");
  assert.equal(parseKubeletVersion("Kubernetes v1.35.0-rc.1+basalt\n"), "v1.35.0-rc.1+basalt");
  assert.equal(parseKubeletVersion("Kubernetes v1.34\n"), undefined);
  assert.equal(parseKubeletVersion("flag provided but not defined: -version\n"), undefined);
  assert.equal(parseKubeletVersion(""), undefined);
});

/** A host whose spawn runs `node -e <script>` in place of the kubelet, counting the spawns. */
function scriptHost(script: string): Pick<Host, "spawn"> & { spawns: string[][] } {
  const spawns: string[][] = [];
  return {
    spawns,
    spawn(command) {
      spawns.push([...command]);
      const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
      return { pid: child.pid ?? 0, child };
    },
  };
}

test("read once, on first ask: '' until the binary answered, then its version for every later call", async () => {
  const host = scriptHost('console.log("Kubernetes v1.34.4")');
  const kubelet = new KubeletVersion(host, "/usr/bin/kubelet");
  assert.equal(host.spawns.length, 0, "nothing runs at boot");
  assert.equal(kubelet.version, "");
  await kubelet.settled();
  assert.equal(kubelet.version, "v1.34.4");
  assert.equal(kubelet.version, "v1.34.4");
  assert.deepEqual(host.spawns, [["/usr/bin/kubelet", "--version"]]);
});

test("a kubelet that fails or prints no version leaves it unknown, and says why once", async () => {
  for (const [script, why] of [
    ['console.error("boom"); process.exit(3)', /exited 3, printed ""/],
    ['console.log("x".repeat(10000))', /exited 0, printed "xxxx/],
  ] as const) {
    const logged: string[] = [];
    const kubelet = new KubeletVersion(scriptHost(script), "/usr/bin/kubelet", (m) => logged.push(m));
    assert.equal(kubelet.version, "");
    await kubelet.settled();
    assert.equal(kubelet.version, "");
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, why);
  }
});
