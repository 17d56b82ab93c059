import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { BasaltError } from "@basalt/machinery";
import { loadProfile, mergeProfileDocs, parseProfile, resolveProfileDoc } from "./profile.ts";

test("the base profile is valid and pins Node", () => {
  const p = parseProfile(readFileSync(new URL("../profiles/base.yaml", import.meta.url), "utf8"));
  assert.equal(p.node.version, "24.21.0");
  assert.ok(p.debian.packages.includes("libstdc++6"));
  assert.equal(p.disk.espMiB, 512);
});

test("problems are listed by path", () => {
  assert.throws(
    () => parseProfile("version: one\ndebian: {kernel: K, packages: [], initramfs: [x1]}\n"),
    (err: unknown) =>
      err instanceof BasaltError &&
      err.code === "invalid_argument" &&
      /version: expected a semver/.test(err.message) &&
      /debian.packages/.test(err.message) &&
      /node:/.test(err.message),
  );
});

test("extra files may not escape the root tree", () => {
  const base = readFileSync(new URL("../profiles/base.yaml", import.meta.url), "utf8");
  assert.throws(() => parseProfile(`${base}\nfiles: [{path: ../etc/passwd, content: x}]\n`), /without \.\./);
});

test("the kubernetes profile extends base: base's lists kept, its own added, components and modules valid", () => {
  const dir = new URL("../profiles/", import.meta.url).pathname;
  const base = loadProfile(`${dir}base.yaml`, (p) => readFileSync(p, "utf8"));
  const k8s = loadProfile(`${dir}kubernetes.yaml`, (p) => readFileSync(p, "utf8"));
  for (const pkg of base.debian.packages) assert.ok(k8s.debian.packages.includes(pkg), pkg);
  for (const pkg of ["libseccomp2", "iptables", "conntrack", "mount", "kmod"])
    assert.ok(k8s.debian.packages.includes(pkg));
  assert.deepEqual(k8s.debian.initramfs, base.debian.initramfs);
  assert.deepEqual(k8s.prune.slice(0, base.prune.length), base.prune);
  assert.equal(k8s.node.version, base.node.version);
  const to = new Map(k8s.components.map((c) => [c.to, c.from]));
  assert.equal(to.get("usr/bin/containerd"), "containerd/containerd");
  assert.equal(to.get("usr/bin/kube"), "kube/kube");
  assert.equal(to.get("usr/bin/etcd"), "kubernetes/etcd");
  const links = new Map(k8s.links.map((l) => [l.path, l.target]));
  for (const p of ["kubelet", "kube-proxy", "kube-apiserver", "kube-controller-manager", "kube-scheduler"])
    assert.equal(links.get(`usr/bin/${p}`), "kube", `usr/bin/${p} → kube`);
  assert.equal(to.get("usr/share/basalt/images/pause-3.10.1.tar"), "pause/pause-3.10.1.oci.tar");
  for (const m of ["overlay", "br_netfilter", "veth", "nf_conntrack", "nf_tables"])
    assert.ok(k8s.kernelModules.load.includes(m));
  assert.equal(base.components.length, 0);
  assert.equal(base.kernelModules.load.length, 0);
});

test("merging profile documents: maps merge, lists append without duplicates, scalars are replaced", () => {
  const merged = mergeProfileDocs(
    { version: "0.1.0", debian: { kernel: "k", packages: ["a", "b"] }, disk: { rootMiB: 1024, espMiB: 512 } },
    { version: "0.2.0", debian: { packages: ["b", "c"] }, disk: { rootMiB: 2048 } },
  );
  assert.deepEqual(merged, {
    version: "0.2.0",
    debian: { kernel: "k", packages: ["a", "b", "c"] },
    disk: { rootMiB: 2048, espMiB: 512 },
  });
});

test("extends is resolved relative to the file; a cycle is an error, not a hang", () => {
  const files: Record<string, string> = {
    "/p/a.yaml": "extends: b.yaml\nname: a\n",
    "/p/b.yaml": "extends: a.yaml\n",
    "/p/c.yaml": "extends: sub/d.yaml\nlist: [2]\n",
    "/p/sub/d.yaml": "list: [1]\nname: d\n",
  };
  const read = (p: string) => {
    const t = files[p];
    if (t === undefined) throw new Error(`no ${p}`);
    return t;
  };
  assert.deepEqual(resolveProfileDoc("/p/c.yaml", read), { list: [1, 2], name: "d" });
  assert.throws(
    () => resolveProfileDoc("/p/a.yaml", read),
    /extends itself \(\/p\/a\.yaml → \/p\/b\.yaml → \/p\/a\.yaml\)/,
  );
  assert.throws(() => resolveProfileDoc("/p/x.yaml", () => "extends: [1]\n"), /extends must be a file name/);
});

test("component entries must name a known component and file", () => {
  const base = readFileSync(new URL("../profiles/base.yaml", import.meta.url), "utf8");
  assert.throws(
    () => parseProfile(`${base}\ncomponents: [{from: docker/dockerd, to: usr/bin/dockerd}]\n`),
    /components\.0\.from: expected <component>\/<file>/,
  );
  assert.throws(
    () => parseProfile(`${base}\ncomponents: [{from: runc/runc, to: /usr/bin/runc}]\n`),
    /components\.0\.to/,
  );
});
