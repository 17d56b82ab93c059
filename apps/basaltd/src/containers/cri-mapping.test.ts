import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { cri } from "@basalt/api/cri";
import type { BasaltError } from "@basalt/machinery";
import {
  byPodThenName,
  capped,
  chooseLogContainer,
  containerInfo,
  containerStat,
  imageInfo,
  podInfo,
  podMatches,
  restartsOf,
} from "./cri-mapping.ts";
import { normalizeImageName } from "./image-names.ts";

const t0 = 1_700_000_000_123_456_789n;

const kubeletPod = create(cri.PodSandboxSchema, {
  id: "p1",
  metadata: { name: "web-1", namespace: "shop", uid: "u1", attempt: 0 },
  state: cri.PodSandboxState.SANDBOX_READY,
  createdAt: t0,
  labels: {
    "io.kubernetes.pod.uid": "u1",
    "io.kubernetes.pod.name": "web-1",
    "io.kubernetes.pod.namespace": "shop",
  },
});
const adhocPod = create(cri.PodSandboxSchema, {
  id: "p2",
  metadata: { name: "tool", namespace: "adhoc", uid: "u2", attempt: 1 },
  state: cri.PodSandboxState.SANDBOX_NOTREADY,
  createdAt: t0,
});

function container(over: MessageInitShape<typeof cri.ContainerSchema> & { id: string }) {
  return create(cri.ContainerSchema, {
    podSandboxId: "p1",
    metadata: { name: "app", attempt: 0 },
    image: { image: "sha256:abc", userSpecifiedImage: "registry.example/app:1" },
    imageRef: "sha256:abc",
    state: cri.ContainerState.CONTAINER_RUNNING,
    createdAt: t0,
    ...over,
  } as MessageInitShape<typeof cri.ContainerSchema>);
}

test("pods: namespace, name, state, kubelet-made or not, nanosecond times", () => {
  const p = podInfo(kubeletPod);
  assert.deepEqual(
    { ns: p.namespace, name: p.name, state: p.state, k8s: p.kubernetes },
    { ns: "shop", name: "web-1", state: "ready", k8s: true },
  );
  assert.equal(timestampDate(p.created!).toISOString(), "2023-11-14T22:13:20.123Z");
  assert.equal(p.created!.nanos, 123_456_789);
  const q = podInfo(adhocPod);
  assert.equal(q.state, "notready");
  assert.equal(q.kubernetes, false);
});

test("containers: pod from the sandbox, image as the spec names it, restarts from kubelet's annotation", () => {
  const c = containerInfo(
    container({
      id: "c1",
      annotations: { "io.kubernetes.container.restartCount": "4" },
      metadata: { name: "app", attempt: 2 },
    }),
    kubeletPod,
  );
  assert.deepEqual(
    {
      ns: c.namespace,
      pod: c.pod,
      name: c.name,
      image: c.image,
      state: c.state,
      restarts: c.restarts,
      k8s: c.kubernetes,
    },
    {
      ns: "shop",
      pod: "web-1",
      name: "app",
      image: "registry.example/app:1",
      state: "running",
      restarts: 4,
      k8s: true,
    },
  );
  // No kubelet annotation: CRI's attempt counts the restarts.
  assert.equal(restartsOf({ annotations: {}, metadata: { attempt: 3 } }), 3);
  assert.equal(
    restartsOf({ annotations: { "io.kubernetes.container.restartCount": "x" }, metadata: { attempt: 1 } }),
    1,
  );
  // No user-specified image (containerd 1.6): the image field, then the ref.
  const old = containerInfo(
    container({ id: "c2", image: { image: "busybox:1" }, state: cri.ContainerState.CONTAINER_EXITED }),
    undefined,
  );
  assert.equal(old.image, "busybox:1");
  assert.equal(old.state, "exited");
  assert.equal(old.pod, "");
});

test("selectors: -k keeps kubelet's pods only; namespace and pod narrow", () => {
  const pods = [podInfo(kubeletPod), podInfo(adhocPod)];
  assert.deepEqual(
    pods.filter((p) => podMatches(p, { kubernetesOnly: true })).map((p) => p.name),
    ["web-1"],
  );
  assert.deepEqual(
    pods.filter((p) => podMatches(p, { namespace: "adhoc" })).map((p) => p.name),
    ["tool"],
  );
  assert.deepEqual(
    pods.filter((p) => podMatches(p, { pod: "nope" })),
    [],
  );
  assert.equal(pods.filter((p) => podMatches(p, undefined)).length, 2);
});

test("lists are capped and sorted, saying when more matched", () => {
  const rows = [
    { namespace: "b", pod: "x", name: "1" },
    { namespace: "a", pod: "y", name: "2" },
    { namespace: "a", pod: "x", name: "3" },
  ];
  assert.deepEqual(capped(rows, 2, byPodThenName), { items: [rows[2], rows[1]], truncated: true });
  assert.equal(capped(rows, 3, byPodThenName).truncated, false);
});

test("images and stats map their fields", () => {
  const i = imageInfo(
    create(cri.ImageSchema, { id: "sha256:1", repoTags: ["a:1"], repoDigests: [], size: 42n, pinned: true }),
  );
  assert.deepEqual({ ...i }, { id: "sha256:1", repoTags: ["a:1"], repoDigests: [], size: 42n, pinned: true });
  const s = containerStat(
    create(cri.ContainerStatsSchema, {
      attributes: { id: "c1", metadata: { name: "app" } },
      cpu: { timestamp: t0, usageNanoCores: { value: 250_000_000n }, usageCoreNanoSeconds: { value: 9n } },
      memory: { timestamp: t0, workingSetBytes: { value: 1024n }, usageBytes: { value: 2048n } },
    }),
    containerInfo(container({ id: "c1" }), kubeletPod),
  );
  assert.deepEqual(
    [
      s.namespace,
      s.pod,
      s.name,
      s.cpuNanoCores,
      s.cpuCoreNanoseconds,
      s.memoryWorkingSetBytes,
      s.memoryUsageBytes,
    ],
    ["shop", "web-1", "app", 250_000_000n, 9n, 1024n, 2048n],
  );
  // Stats without a CPU sample yet (a container that just started) are zeros, not a crash.
  assert.equal(
    containerStat(create(cri.ContainerStatsSchema, { attributes: { id: "c9" } }), undefined).cpuNanoCores,
    0n,
  );
});

test("the log container: the only one, or the named one, running before exited, newest attempt", () => {
  const containers = [
    container({
      id: "old",
      metadata: { name: "app", attempt: 0 },
      state: cri.ContainerState.CONTAINER_EXITED,
    }),
    container({ id: "new", metadata: { name: "app", attempt: 1 } }),
    container({ id: "other", podSandboxId: "p2", metadata: { name: "idle", attempt: 0 } }),
  ];
  const pods = [kubeletPod, adhocPod];
  assert.equal(
    chooseLogContainer(pods, containers, { namespace: "shop", pod: "web-1", container: "" }).id,
    "new",
  );
  assert.equal(
    chooseLogContainer(pods, containers, { namespace: "adhoc", pod: "tool", container: "idle" }).id,
    "other",
  );
  const missing = (want: { namespace: string; pod: string; container: string }) => {
    try {
      chooseLogContainer(pods, containers, want);
    } catch (err) {
      return err as BasaltError;
    }
    assert.fail("expected an error");
  };
  const noPod = missing({ namespace: "shop", pod: "web-2", container: "" });
  assert.equal(noPod.code, "not_found");
  assert.match(noPod.hint ?? "", /pods in shop: web-1/);
  const noContainer = missing({ namespace: "shop", pod: "web-1", container: "db" });
  assert.match(noContainer.message, /has no container db/);
  assert.match(noContainer.hint ?? "", /its containers: app/);
  const two = [...containers, container({ id: "side", metadata: { name: "sidecar", attempt: 0 } })];
  try {
    chooseLogContainer(pods, two, { namespace: "shop", pod: "web-1", container: "" });
    assert.fail("expected an error");
  } catch (err) {
    assert.equal((err as BasaltError).code, "invalid_argument");
    assert.match((err as BasaltError).hint ?? "", /shop\/web-1\/CONTAINER with one of: app, sidecar/);
  }
});

test("image names are normalized like docker's and CRI's", () => {
  const cases: [string, string][] = [
    ["busybox", "docker.io/library/busybox:latest"],
    ["busybox:1.36", "docker.io/library/busybox:1.36"],
    ["someone/app:2", "docker.io/someone/app:2"],
    ["registry.k8s.io/pause:3.10.1", "registry.k8s.io/pause:3.10.1"],
    ["localhost:5000/app", "localhost:5000/app:latest"],
    ["basalt.test/busybox:1", "basalt.test/busybox:1"],
  ];
  for (const [input, want] of cases) assert.equal(normalizeImageName(input), want, input);
  assert.throws(() => normalizeImageName("Bad Name"), /not a valid image name/);
  assert.throws(() => normalizeImageName("a:b:c"), /not a valid image name/);
});
