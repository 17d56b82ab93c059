import assert from "node:assert/strict";
import { test } from "node:test";
import { cniTemplateName, renderContainerdConfig } from "./containerd-config.ts";
import { kubeNodePaths } from "./node-paths.ts";
import { tomlKeys } from "./test-support/k8s-fixture.ts";

test("containerd runs runc with cgroupfs, the pinned pause image and the CNI template", () => {
  const toml = renderContainerdConfig(kubeNodePaths);
  const k = tomlKeys(toml);
  assert.equal(k.get("version"), "3");
  assert.equal(k.get("root"), '"/var/lib/containerd"', "images live on STATE");
  assert.equal(k.get("state"), '"/run/containerd"');
  assert.equal(k.get("grpc.address"), '"/run/containerd/containerd.sock"');
  const runc = "plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc";
  assert.equal(k.get(`${runc}.runtime_type`), '"io.containerd.runc.v2"');
  assert.equal(k.get(`${runc}.options.SystemdCgroup`), "false");
  assert.equal(k.get(`${runc}.options.BinaryName`), JSON.stringify(kubeNodePaths.runcBin));
  assert.equal(
    k.get("plugins.'io.containerd.cri.v1.images'.pinned_images.sandbox"),
    '"registry.k8s.io/pause:3.10.1"',
  );
  const cni = "plugins.'io.containerd.cri.v1.runtime'.cni";
  assert.equal(k.get(`${cni}.bin_dirs`), `[${JSON.stringify(kubeNodePaths.cniBinDir)}]`);
  assert.equal(k.get(`${cni}.conf_dir`), JSON.stringify(kubeNodePaths.cniConfDir));
  assert.equal(
    k.get(`${cni}.conf_template`),
    JSON.stringify(`${kubeNodePaths.configDir}/${cniTemplateName}`),
  );
  assert.equal(k.get("plugins.'io.containerd.grpc.v1.cri'.stream_server_address"), '"127.0.0.1"');
});

test("paths are quoted as TOML strings", () => {
  const toml = renderContainerdConfig({ ...kubeNodePaths, containerdRoot: '/var/lib/a "b"\\c' });
  assert.equal(tomlKeys(toml).get("root"), '"/var/lib/a \\"b\\"\\\\c"');
});
