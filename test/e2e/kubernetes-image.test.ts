import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { readTar } from "@basalt/oci";
import { k8sBinDir, nodeComponentDirs } from "@basalt/testkit";
import { cachedImage } from "./support/cached-image.ts";
import { freePort, startVm, type Vm } from "./support/qemu-vm.ts";
import { ctl, makeConfigDrive, makeVmConfig } from "./support/vm-config.ts";

/**
 * The kubernetes image profile: its root holds the pinned runtime, kubelet, kube-proxy, CNI plugins,
 * pause image, the Debian tools they exec and the kernel modules they need, and those files run.
 * The binaries are run on the host from the root as extracted from root.img, with the root's own
 * loader and libraries; then the image boots under qemu (TCG) to the API. Starting containerd and
 * kubelet at boot is basaltd's job (issue 10, tested elsewhere).
 */
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("kubernetes image", { timeout: 1_800_000 }, () => {
  let work: string;
  let image: string;
  let root: string;
  let release: string;
  // biome-ignore lint/suspicious/noExplicitAny: manifest JSON, checked field by field
  let manifest: any;
  let vm: Vm | undefined;

  /**
   * Runs a program from the extracted root with the root's loader and libraries (not the host's);
   * returns stdout and stderr together and fails on a non-zero exit.
   */
  const inRoot = (path: string, args: string[], argv0?: string) => {
    const r = spawnSync(
      join(root, "usr/lib64/ld-linux-x86-64.so.2"),
      [
        "--library-path",
        join(root, "usr/lib/x86_64-linux-gnu"),
        ...(argv0 ? ["--argv0", argv0] : []),
        join(root, path),
        ...args,
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 },
    );
    assert.equal(r.status, 0, `${path} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return `${r.stdout}${r.stderr}`;
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "basalt-e2e-k8s-"));
    // BASALT_E2E_K8S_IMAGE: an image directory already built (npm run image:k8s → out/image-k8s).
    image =
      process.env.BASALT_E2E_K8S_IMAGE ??
      (await cachedImage((l) => console.log(`  imager ${l}`), { profile: "kubernetes" })).dir;
    manifest = JSON.parse(readFileSync(join(image, "manifest.json"), "utf8"));
    release = manifest.kernel.release;
    root = join(work, "root");
    // erofs-utils reads the filesystem in front of the verity tree, as the kernel does.
    execFileSync("fsck.erofs", [`--extract=${root}`, "--no-preserve", join(image, "root.img")], {
      stdio: "ignore",
    });
  });

  after(() => {
    vm?.kill();
    if (work && !process.env.BASALT_E2E_KEEP) rmSync(work, { recursive: true, force: true });
  });

  test("the root holds the components at their documented paths, the same bytes tools/k8s built", async () => {
    const dirs = await nodeComponentDirs(["containerd", "runc", "cni-plugins", "kube", "pause"]);
    const k8s = await k8sBinDir();
    const expected: Record<string, string> = {
      "usr/bin/containerd": join(dirs.containerd, "containerd"),
      "usr/bin/containerd-shim-runc-v2": join(dirs.containerd, "containerd-shim-runc-v2"),
      "usr/bin/runc": join(dirs.runc, "runc"),
      "usr/bin/kube": join(dirs.kube, "kube"),
      "usr/bin/etcd": join(k8s, "etcd"),
      "opt/cni/bin/bridge": join(dirs["cni-plugins"], "bridge"),
      "opt/cni/bin/host-local": join(dirs["cni-plugins"], "host-local"),
      "opt/cni/bin/loopback": join(dirs["cni-plugins"], "loopback"),
      "opt/cni/bin/portmap": join(dirs["cni-plugins"], "portmap"),
      "usr/share/basalt/images/pause-3.10.1.tar": join(dirs.pause, "pause-3.10.1.oci.tar"),
    };
    for (const [path, src] of Object.entries(expected)) {
      assert.equal(sha256(join(root, path)), sha256(src), path);
      const exec = (statSync(join(root, path)).mode & 0o111) !== 0;
      assert.equal(exec, !path.endsWith(".tar"), `${path} executable bit`);
      assert.ok(manifest.components[`/${path}`], `manifest lists /${path}`);
    }
    // Each Kubernetes program is the multi-call binary under its own name (a relative link, so it
    // resolves inside the image's root as well as on the running node).
    for (const program of [
      "kubelet",
      "kube-proxy",
      "kube-apiserver",
      "kube-controller-manager",
      "kube-scheduler",
    ])
      assert.equal(readlinkSync(join(root, "usr/bin", program)), "kube", `usr/bin/${program}`);
    // Stripped: no symbol table left in any Go binary (file(1) would say "not stripped").
    const fileOut = execFileSync("file", [join(root, "usr/bin/kube"), join(root, "usr/bin/containerd")], {
      encoding: "utf8",
    });
    assert.doesNotMatch(fileOut, /not stripped/);
  });

  test("the binaries run from the image's root: versions are the pinned ones", () => {
    assert.match(
      inRoot("usr/bin/containerd", ["--version"]),
      /containerd github.com\/containerd\/containerd\/v2 v2\.2\.\d+/,
    );
    assert.match(inRoot("usr/bin/containerd-shim-runc-v2", ["-v"]), /v2\.2\.\d+/);
    const runc = inRoot("usr/bin/runc", ["--version"]);
    assert.match(runc, /^runc version 1\.3\.\d+$/m);
    assert.match(runc, /^libseccomp: 2\.5\.\d+$/m, "runc finds the image's libseccomp2");
    assert.equal(inRoot("usr/bin/kubelet", ["--version"]).trim(), "Kubernetes v1.34.4");
    assert.equal(inRoot("usr/bin/kube-proxy", ["--version"]).trim(), "Kubernetes v1.34.4");
    assert.match(inRoot("usr/sbin/iptables", ["--version"]), /^iptables v1\.8\.\d+ \(nf_tables\)/);
    assert.match(inRoot("usr/sbin/ip6tables-restore", ["--version"]), /\(nf_tables\)/);
    assert.match(inRoot("usr/sbin/nft", ["--version"]), /^nftables v1\.0\.\d+/);
    assert.match(inRoot("usr/sbin/conntrack", ["--version"]), /conntrack v1\.4\.\d+/);
    assert.match(inRoot("usr/bin/mount", ["--version"]), /util-linux 2\.38/);
    // A CNI plugin without CNI_COMMAND prints its name and version.
    for (const p of ["bridge", "host-local", "loopback", "portmap"])
      assert.match(inRoot(`opt/cni/bin/${p}`, []), new RegExp(`^CNI ${p} plugin v1\\.9\\.\\d+$`, "m"));
  });

  test("the pause archive is an OCI image named registry.k8s.io/pause:3.10.1 whose /pause runs", () => {
    const files = new Map(
      readTar(readFileSync(join(root, "usr/share/basalt/images/pause-3.10.1.tar"))).flatMap((e) =>
        e.type === "file" ? [[e.path, Buffer.from(e.bytes)] as const] : [],
      ),
    );
    const index = JSON.parse(files.get("index.json")!.toString());
    assert.equal(index.manifests[0].annotations["io.containerd.image.name"], "registry.k8s.io/pause:3.10.1");
    const m = JSON.parse(files.get(`blobs/sha256/${index.manifests[0].digest.slice(7)}`)!.toString());
    const layer = readTar(files.get(`blobs/sha256/${m.layers[0].digest.slice(7)}`)!);
    const pause = layer.find((e) => e.path === "pause");
    assert.ok(pause?.type === "file" && pause.mode === 0o755);
    const bin = join(work, "pause");
    writeFileSync(bin, pause.bytes, { mode: 0o755 });
    assert.match(execFileSync(bin, ["-v"], { encoding: "utf8" }), /^pause\.c v3\.10\.1/);
  });

  test("kernel modules: the list basaltd loads resolves with the image's own modprobe and modules.dep", () => {
    const list = readFileSync(join(root, "usr/lib/modules-load.d/basalt-kubernetes.conf"), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    for (const m of [
      "overlay",
      "br_netfilter",
      "bridge",
      "veth",
      "nf_conntrack",
      "nf_tables",
      "nft_compat",
      "xt_conntrack",
    ])
      assert.ok(list.includes(m), m);
    assert.ok(existsSync(join(root, "usr/lib/modules", release, "modules.dep.bin")));
    // The kernel runs /sbin/modprobe to autoload nft expressions and xt matches.
    assert.equal(readlinkSync(join(root, "usr/sbin/modprobe")), "/bin/kmod");
    assert.ok(lstatSync(join(root, "sbin")).isSymbolicLink());
    const deps = inRoot(
      "usr/bin/kmod",
      ["-d", root, "-S", release, "--show-depends", ...["-a", ...list]],
      "modprobe",
    );
    const loads = deps.split("\n").filter((l) => l.startsWith("insmod "));
    assert.ok(loads.some((l) => l.endsWith("/kernel/net/bridge/br_netfilter.ko ")));
    assert.ok(loads.some((l) => l.endsWith("/kernel/fs/overlayfs/overlay.ko ")));
    assert.ok(loads.length >= list.length, `${loads.length} insmods for ${list.length} modules`);
    assert.deepEqual(manifest.kernelModules.load, list);
  });

  test("boots to the API under qemu (TCG) with the larger root", async () => {
    const port = await freePort();
    const endpoint = `127.0.0.1:${port}`;
    const cfg = makeVmConfig(join(work, "pki"), port);
    const env = { BASALTCONFIG: cfg.clientConfig };
    const configDrive = join(work, "config.img");
    makeConfigDrive(cfg.machineConfig, configDrive);
    execFileSync("cp", ["--sparse=always", join(image, "disk.raw"), join(work, "disk.raw")]);
    vm = startVm({
      disk: join(work, "disk.raw"),
      vars: join(work, "vars.fd"),
      configDrive,
      hostPort: port,
      consoleLog: join(work, "console.log"),
    });
    await vm.waitForConsole(/health: ready/, 300_000);
    const deadline = Date.now() + 60_000;
    let version = "";
    for (;;) {
      try {
        version = ctl(["version", "-o", "json", "-e", endpoint], env);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    const v = JSON.parse(version.trim().split("\n")[0]!).value;
    assert.equal(v.osName, "Basalt");
    assert.equal(v.mode, "init");
    // The root the node booted is this image's: its erofs holds the component binaries.
    const mounts = JSON.parse(ctl(["mounts", "-o", "json", "-e", endpoint], env).trim().split("\n")[0]!).value
      .mounts;
    assert.ok(
      mounts.some((m: { target: string; fstype: string }) => m.target === "/" && m.fstype === "erofs"),
    );
    assert.ok(readdirSync(join(root, "opt/cni/bin")).length === 4);
  });
});
