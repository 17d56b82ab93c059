import { spawn } from "node:child_process";
import { readFileSync, mkdtempSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { ociImageArchive } from "./test/support/oci-image.ts";
import { writeContainerdConfig } from "./test/support/containerd-fixture.ts";
import { containerdImageStore } from "./apps/basaltd/src/containers/containerd-image-store.ts";
import { importImageArchive } from "./apps/basaltd/src/containers/image-import.ts";
import { containerRuntime } from "./apps/basaltd/src/containers/container-runtime.ts";
import { cri } from "@basalt/api/cri";

const dir = mkdtempSync("/tmp/cri-scratch/c-");
const { config, socket } = writeContainerdConfig(dir, "basalt.test/pause:1");
const child = spawn("/usr/bin/containerd", ["--config", config], { stdio: ["ignore", "inherit", "pipe"] });
let errlog = "";
child.stderr.on("data", (d) => { errlog += d; });
try {
  const rt = containerRuntime(socket);
  for (let i = 0; i < 100; i++) { try { const v = await rt.runtime.version({}); console.log("version", v.runtimeName, v.runtimeVersion, v.runtimeApiVersion); break; } catch (e) { if (i === 99) throw e; await sleep(100); } }
  const busybox = readFileSync("/bin/busybox");
  const files = [{ path: "bin", dir: true }, { path: "bin/busybox", mode: 0o755, bytes: busybox }, { path: "bin/sh", symlink: "busybox" }];
  const pause = await ociImageArchive("basalt.test/pause:1", files, { entrypoint: ["/bin/busybox", "sleep", "2147483647"] });
  const app = await ociImageArchive("basalt.test/busybox:1", files, { entrypoint: ["/bin/busybox"] });
  const store = containerdImageStore(socket);
  const chunks = (b: Buffer) => (async function* () { for (let i = 0; i < b.length; i += 65536) yield b.subarray(i, i + 65536); })();
  console.log(await importImageArchive(store, chunks(pause.archive), { pinned: true }));
  console.log(await importImageArchive(store, chunks(app.archive), {}));
  await sleep(500);
  console.log((await rt.images.listImages({})).images.map((i) => [i.id, i.repoTags, i.pinned, i.size]));
  const sandboxConfig = { metadata: { name: "web", namespace: "default", uid: "uid-1", attempt: 0 }, logDirectory: `${dir}/pods/web`, labels: { "io.kubernetes.pod.uid": "uid-1" }, linux: { securityContext: { namespaceOptions: { network: cri.NamespaceMode.NODE } } } };
  const pod = await rt.runtime.runPodSandbox({ config: sandboxConfig });
  console.log("pod", pod.podSandboxId);
  const c = await rt.runtime.createContainer({ podSandboxId: pod.podSandboxId, sandboxConfig, config: { metadata: { name: "hello" }, image: { image: "basalt.test/busybox:1" }, args: ["sh", "-c", "for i in 1 2 3; do echo line $i; echo err $i >&2; done; sleep 1000"], logPath: "hello/0.log" } });
  await rt.runtime.startContainer({ containerId: c.containerId });
  await sleep(1000);
  const st = await rt.runtime.containerStatus({ containerId: c.containerId });
  console.log(st.status?.state, st.status?.logPath, readFileSync(st.status!.logPath, "utf8"));
  console.log((await rt.runtime.listContainerStats({})).stats.map((s) => [s.attributes?.id, s.cpu?.usageCoreNanoSeconds?.value, s.memory?.workingSetBytes?.value]));
  await rt.runtime.stopContainer({ containerId: c.containerId, timeout: 1n });
  await rt.runtime.removeContainer({ containerId: c.containerId });
  await rt.runtime.stopPodSandbox({ podSandboxId: pod.podSandboxId });
  await rt.runtime.removePodSandbox({ podSandboxId: pod.podSandboxId });
  await rt.images.removeImage({ image: { image: "basalt.test/busybox:1" } });
  console.log((await rt.images.listImages({})).images.map((i) => i.repoTags));
  rt.close(); store.close();
} catch (e) {
  console.error("FAILED", e);
  console.error(errlog.split("\n").filter((l) => /error|level=warn/i.test(l)).slice(-30).join("\n"));
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}
