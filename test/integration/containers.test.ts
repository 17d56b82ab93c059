import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { cri } from "@basalt/api/cri";
import { writeContainerdConfig } from "../support/containerd-fixture.ts";
import { criClient } from "../support/cri-client.ts";
import { basaltctl, basaltctlBundle, LocalFleet } from "../support/local-fleet.ts";
import { ociImageArchive, tarBytes } from "../support/oci-image.ts";

/**
 * Containers and images through the node API against a real containerd (Debian's 1.6 and runc by
 * default; BASALT_CONTAINERD=/path/to/containerd for another build, whose directory also provides
 * containerd-shim-runc-v2, and BASALT_RUNC=/path/to/runc) supervised by a real basaltd. The test imports a pause image and a
 * busybox image it builds through `basaltctl image import`, plays kubelet over CRI (a pod with
 * kubelet's labels, one without, host network so no CNI is needed), then checks `containers`,
 * `pods`, `containers stats`, `logs -k`, `images`, `image rm` and the refusals.
 */
const containerd = process.env.BASALT_CONTAINERD ?? "/usr/bin/containerd";
const runc = process.env.BASALT_RUNC ?? "/usr/sbin/runc";
const busybox = "/bin/busybox";
const pauseImage = "basalt.test/pause:1";
const appImage = "basalt.test/busybox:1";

let fleet: LocalFleet;
let socket: string;
let crt: ReturnType<typeof criClient>;
let operator: string;
let reader: string;
let work: string;
const env = () => ({ BASALTCONFIG: operator });

interface Json<T> {
  node: string;
  value?: T;
  error?: { code: string; message: string; hint?: string };
}
const lines = <T>(stdout: string): Json<T>[] =>
  stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Json<T>);

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

before(async () => {
  assert.ok(
    existsSync(containerd),
    `no containerd at ${containerd}: run scripts/setup.sh (apt-get install containerd)`,
  );
  assert.ok(existsSync(busybox), "no /bin/busybox: run scripts/setup.sh (busybox-static)");
  fleet = await LocalFleet.start({
    addresses: ["127.0.0.2", "127.0.0.3"],
    configure: ({ name, dir }) => {
      // node-2 runs no containerd: its container RPCs must say so.
      if (name !== "node-1") return { containers: { socket: join(dir, "no-containerd.sock") } };
      const c = writeContainerdConfig(join(dir, "containerd"), pauseImage);
      socket = c.socket;
      return {
        containers: { socket: c.socket },
        services: [
          {
            name: "containerd",
            command: [containerd, "--config", c.config],
            env: { PATH: `${join(containerd, "..")}:${join(runc, "..")}:/usr/sbin:/usr/bin:/sbin:/bin` },
            health: { unixSocket: c.socket },
            stopTimeoutSeconds: 20,
          },
        ],
      };
    },
  });
  operator = fleet.writeClientConfig("operator");
  reader = fleet.writeClientConfig("reader");
  work = join(fleet.dir, "work");
  mkdirSync(work);
  crt = criClient(socket);
  await waitFor("containerd's CRI", async () => (await crt.runtime.version({})).runtimeName || undefined);
  const files = [
    { path: "bin", dir: true },
    { path: "bin/busybox", mode: 0o755, bytes: readFileSync(busybox) },
    { path: "bin/sh", symlink: "busybox" },
  ];
  // The sandbox image: busybox sleeping forever stands in for pause.
  const pause = await ociImageArchive(pauseImage, files, {
    entrypoint: ["/bin/busybox", "sleep", "2147483647"],
  });
  writeFileSync(join(work, "pause.tar"), pause.archive);
  writeFileSync(
    join(work, "busybox.tar"),
    (await ociImageArchive(appImage, files, { entrypoint: ["/bin/busybox"] })).archive,
  );
  writeFileSync(
    join(work, "extra.tar"),
    (await ociImageArchive("basalt.test/extra:1", files, { cmd: ["sh"] })).archive,
  );
  writeFileSync(
    join(work, "not-an-image.tar"),
    await tarBytes([
      { path: "README", bytes: Buffer.from("just some files\n") },
      { path: "notes.txt", bytes: Buffer.from("hello\n") },
    ]),
  );
});

after(async () => {
  // Play kubelet's part at the end too: stop and remove every pod, so no shim outlives the test.
  if (crt) {
    const pods = await crt.runtime.listPodSandbox({}).catch(() => ({ items: [] }));
    for (const p of pods.items) {
      await crt.runtime.stopPodSandbox({ podSandboxId: p.id }).catch(() => undefined);
      await crt.runtime.removePodSandbox({ podSandboxId: p.id }).catch(() => undefined);
    }
    crt.close();
  }
  await fleet?.stop();
});

test("image import streams archives to containerd; pinned and named as CRI sees them", async () => {
  const pause = await basaltctl(
    ["image", "import", join(work, "pause.tar"), "--pin", "-n", "node-1", "-o", "json"],
    env(),
  );
  assert.equal(pause.code, 0, pause.stderr + pause.stdout);
  const answers = lines<{ phase: string; images?: { name: string; id: string }[] }>(pause.stdout);
  const last = answers.at(-1)!.value!;
  assert.equal(last.phase, "done");
  assert.equal(last.images?.[0]?.name, pauseImage);
  const app = await basaltctl(["image", "import", join(work, "busybox.tar"), "-n", "node-1"], env());
  assert.equal(app.code, 0, app.stderr + app.stdout);
  assert.match(app.stdout, /done: imported basalt\.test\/busybox:1/);

  const images = await basaltctl(["images", "-n", "node-1", "-o", "json"], env());
  assert.equal(images.code, 0, images.stderr);
  const list = lines<{ images: { repoTags: string[]; id: string; size: string }[] }>(images.stdout)[0]!.value!
    .images;
  const tags = list.flatMap((i) => i.repoTags);
  assert.ok(tags.includes(pauseImage) && tags.includes(appImage), tags.join(", "));
  assert.ok(
    list.every((i) => Number(i.size) > 1_000_000),
    "busybox is in every image",
  );
  // The CRI plugin's labels on containerd's records: managed, and pinned only when asked.
  const pinned = (await crt.records.get({ name: pauseImage })).image?.labels;
  assert.deepEqual(pinned, { "io.cri-containerd.image": "managed", "io.cri-containerd.pinned": "pinned" });
  const unpinned = (await crt.records.get({ name: appImage })).image?.labels;
  assert.deepEqual(unpinned, { "io.cri-containerd.image": "managed" });
  // CRI resolves the imported image by name: the sandbox image is there before any pod runs.
  const status = await crt.images.imageStatus({ image: { image: pauseImage } });
  assert.equal(status.image?.repoTags[0], pauseImage);
});

test("a reader may list images but not import or remove them", async () => {
  const list = await basaltctl(["images", "-n", "node-1"], { BASALTCONFIG: reader });
  assert.equal(list.code, 0, list.stderr);
  const imp = await basaltctl(["image", "import", join(work, "extra.tar"), "-n", "node-1"], {
    BASALTCONFIG: reader,
  });
  assert.equal(imp.code, 1);
  assert.match(imp.stderr, /permission|needs one of os:admin, os:operator/);
  const rm = await basaltctl(["image", "rm", appImage, "-n", "node-1"], { BASALTCONFIG: reader });
  assert.equal(rm.code, 1);
  assert.match(rm.stderr, /needs one of os:admin, os:operator/);
});

test("a tarball that is not an image is refused with a clear error, and nothing is added", async () => {
  const before = await basaltctl(["images", "-n", "node-1", "-o", "json"], env());
  const r = await basaltctl(["image", "import", join(work, "not-an-image.tar"), "-n", "node-1"], env());
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /node-1: error: the archive is not an OCI or docker image archive: it has no index\.json or manifest\.json; it holds README, notes\.txt/,
  );
  const after = await basaltctl(["images", "-n", "node-1", "-o", "json"], env());
  assert.equal(lines(after.stdout)[0]!.value !== undefined, true);
  assert.deepEqual(
    lines<{ images: unknown[] }>(after.stdout)[0]!.value!.images.length,
    lines<{ images: unknown[] }>(before.stdout)[0]!.value!.images.length,
  );
});

async function runPod(
  name: string,
  namespace: string,
  kubelet: boolean,
  container: { name: string; args: string[] },
): Promise<string> {
  const uid = `${namespace}-${name}-uid`;
  const labels: Record<string, string> = kubelet
    ? {
        "io.kubernetes.pod.uid": uid,
        "io.kubernetes.pod.name": name,
        "io.kubernetes.pod.namespace": namespace,
      }
    : {};
  const sandboxConfig = {
    metadata: { name, namespace, uid, attempt: 0 },
    logDirectory: join(fleet.dir, "pods", `${namespace}_${name}`),
    labels,
    linux: { securityContext: { namespaceOptions: { network: cri.NamespaceMode.NODE } } },
  };
  const pod = await crt.runtime.runPodSandbox({ config: sandboxConfig });
  const created = await crt.runtime.createContainer({
    podSandboxId: pod.podSandboxId,
    sandboxConfig,
    config: {
      metadata: { name: container.name, attempt: 0 },
      image: { image: appImage },
      args: container.args,
      logPath: `${container.name}/0.log`,
      labels: kubelet ? { ...labels, "io.kubernetes.container.name": container.name } : {},
      annotations: kubelet ? { "io.kubernetes.container.restartCount": "0" } : {},
    },
  });
  await crt.runtime.startContainer({ containerId: created.containerId });
  return created.containerId;
}

test("pods and containers run from the imported images show in containers, pods and stats", async () => {
  await runPod("web", "demo", true, {
    name: "hello",
    args: [
      "sh",
      "-c",
      "echo started; i=0; while true; do echo tick $i; echo warn $i >&2; i=$((i+1)); sleep 1; done",
    ],
  });
  await runPod("tool", "adhoc", false, { name: "idle", args: ["sleep", "100000"] });

  type C = {
    namespace: string;
    pod: string;
    name: string;
    image: string;
    state: string;
    restarts: number;
    kubernetes: boolean;
  };
  const all = await waitFor("both containers running", async () => {
    const r = await basaltctl(["containers", "-n", "node-1", "-o", "json"], env());
    const cs = lines<{ containers: C[] }>(r.stdout)[0]?.value?.containers ?? [];
    return cs.length === 2 && cs.every((c) => c.state === "running") ? cs : undefined;
  });
  assert.deepEqual(
    all.map((c) => [c.namespace, c.pod, c.name, c.image, c.state, c.restarts ?? 0, c.kubernetes ?? false]),
    [
      ["adhoc", "tool", "idle", appImage, "running", 0, false],
      ["demo", "web", "hello", appImage, "running", 0, true],
    ],
  );
  const k = await basaltctl(["containers", "-k", "-n", "node-1"], env());
  assert.equal(k.code, 0, k.stderr);
  assert.match(k.stdout, /NODE\s+NAMESPACE\s+POD\s+CONTAINER\s+IMAGE\s+STATE\s+RESTARTS\s+ID/);
  assert.match(k.stdout, /node-1\s+demo\s+web\s+hello\s+basalt\.test\/busybox:1\s+running\s+0/);
  assert.doesNotMatch(k.stdout, /adhoc|idle/);

  const pods = await basaltctl(["pods", "-k", "-n", "node-1", "-o", "yaml"], env());
  assert.equal(pods.code, 0, pods.stderr);
  assert.match(pods.stdout, /name: web/);
  assert.match(pods.stdout, /state: ready/);
  assert.doesNotMatch(pods.stdout, /name: tool/);

  const stats = await waitFor("stats for hello", async () => {
    const r = await basaltctl(["containers", "stats", "-n", "node-1", "-o", "json"], env());
    const s = lines<{ stats: { name: string; memoryWorkingSetBytes: string; cpuCoreNanoseconds: string }[] }>(
      r.stdout,
    )[0]?.value?.stats;
    const hello = s?.find((x) => x.name === "hello");
    return hello && Number(hello.cpuCoreNanoseconds) > 0 ? s : undefined;
  });
  assert.equal(stats.length, 2);
  assert.ok(
    stats.every((s) => Number(s.memoryWorkingSetBytes) > 0),
    JSON.stringify(stats),
  );
});

test("logs -k reads a container's CRI log: whole lines, both streams, --tail, -f", async () => {
  await waitFor("three ticks", async () => {
    const r = await basaltctl(["logs", "-k", "demo/web", "-n", "node-1"], env());
    return r.stdout.includes("tick 2") ? r : undefined;
  });
  const all = await basaltctl(["logs", "-k", "demo/web/hello", "-n", "node-1", "-o", "json"], env());
  assert.equal(all.code, 0, all.stderr);
  const msgs = lines<{ stream: string; message: string; container: string }>(all.stdout).map((l) => l.value!);
  // stdout and stderr are copied into the CRI log by separate goroutines, so lines of the two streams
  // written in the same instant may land in either order; within one stream the order holds.
  const firstOut = msgs.find((m) => m.stream === "stdout");
  assert.deepEqual(firstOut, { ...firstOut, message: "started", container: "hello" });
  assert.ok(msgs.some((m) => m.stream === "stderr" && m.message === "warn 0"));
  const tail = await basaltctl(["logs", "-k", "demo/web", "--tail", "2", "-n", "node-1"], env());
  assert.equal(tail.stdout.trim().split("\n").length, 2, tail.stdout);
  assert.doesNotMatch(tail.stdout, /started/);

  // Follow: new ticks arrive after the ones already written.
  const child = spawn(
    process.execPath,
    [basaltctlBundle, "logs", "-k", "demo/web", "-f", "--tail", "1", "-n", "node-1"],
    {
      env: { ...process.env, ...env() },
    },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d;
  });
  try {
    const first = await waitFor(
      "the first followed line",
      async () => /tick (\d+)|warn (\d+)/.exec(out) ?? undefined,
      20_000,
    );
    const n = Number(first[1] ?? first[2]);
    await waitFor("a newer tick", async () => (out.includes(`tick ${n + 2}`) ? true : undefined), 20_000);
  } finally {
    child.kill("SIGINT");
  }

  const missing = await basaltctl(["logs", "-k", "demo/nope", "-n", "node-1"], env());
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no pod demo\/nope on this node \(pods in demo: web\)/);
  const bad = await basaltctl(["logs", "-k", "justapod", "-n", "node-1"], env());
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not NAMESPACE\/POD\[\/CONTAINER\]/);
});

test("image rm removes an image; a missing one is reported", async () => {
  const imp = await basaltctl(["image", "import", join(work, "extra.tar"), "-n", "node-1"], env());
  assert.equal(imp.code, 0, imp.stderr);
  const rm = await basaltctl(["image", "rm", "basalt.test/extra:1", "-n", "node-1"], env());
  assert.equal(rm.code, 0, rm.stderr);
  assert.match(rm.stdout, /basalt\.test\/extra:1/);
  const images = await basaltctl(["images", "-n", "node-1"], env());
  assert.doesNotMatch(images.stdout, /extra/);
  assert.match(images.stdout, /basalt\.test\/busybox:1/);
  const again = await basaltctl(["image", "rm", "basalt.test/extra:1", "-n", "node-1"], env());
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no image basalt\.test\/extra:1 on this node/);
});

test("a node without containerd says containerd is not running; the other node still answers", async () => {
  const r = await basaltctl(["containers", "-n", "node-1,node-2"], env());
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /node-2: error: containerd is not running: nothing answers on \S+no-containerd\.sock/,
  );
  assert.match(r.stdout, /node-1\s+demo\s+web\s+hello/);
  const imp = await basaltctl(["image", "import", join(work, "extra.tar"), "-n", "node-2"], env());
  assert.equal(imp.code, 1);
  assert.match(imp.stderr, /containerd is not running/);
});
