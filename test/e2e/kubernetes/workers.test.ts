import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { busyboxArchive } from "./support/busybox-image.ts";
import { nodeReady, until } from "./support/kubectl.ts";
import { type K8sLab, startK8sLab, type Worker } from "./support/lab.ts";

/**
 * Basalt VMs as real Kubernetes workers, end to end: a network namespace with a bridge and one tap
 * per VM (no uplink), the testkit control plane inside it (bootstrap tokens, CSR approval, node
 * CIDRs), and Basalt VMs of the `kubernetes` image (TCG, 1 vCPU each) that join with the token from
 * `basaltctl gen secrets`. The VMs are shared by the cases, in order.
 */
const joinTimeoutMs = 900_000;

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes and basaltctl JSON, checked field by field
type Json = any;

const lines = (out: string): Json[] =>
  out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe("Basalt workers join a real cluster", { timeout: 3_600_000 }, () => {
  let lab: K8sLab;
  let w1: Worker;
  let w2: Worker;
  const timings: { node: string; apiReadyS: number; nodeReadyS: number }[] = [];

  before(async () => {
    lab = await startK8sLab({ workers: ["w1", "w2"], log: (l) => console.log(`  lab ${l}`) });
    [w1, w2] = [lab.worker("w1"), lab.worker("w2")];
    await Promise.all([w1.boot(), w2.boot()]);
  });

  after(async () => {
    if (timings.length) console.log(`  timings (s since qemu start): ${JSON.stringify(timings)}`);
    await lab?.stop();
  });

  test("both VMs join: Nodes Ready with kubelet v1.34.4 and the Basalt OS image", async () => {
    await Promise.all(
      [w1, w2].map(async (w) => {
        const apiReady = await w.waitForApi(300_000);
        const node = await until(`Node ${w.name} Ready`, joinTimeoutMs, () => {
          const n = lab.kubectl.json(["get", "node", w.name]);
          return nodeReady(n) === "True" ? n : undefined;
        });
        timings.push({ node: w.name, apiReadyS: apiReady, nodeReadyS: w.secondsSinceBoot() });
        assert.equal(node.status.nodeInfo.kubeletVersion, "v1.34.4");
        assert.match(node.status.nodeInfo.osImage, /^Basalt/);
        assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/2\.2\./);
        assert.ok(node.spec.podCIDR, "kube-controller-manager allocated a podCIDR");
        const ip = node.status.addresses.find((a: Json) => a.type === "InternalIP")?.address;
        assert.equal(ip, w.ip);
      }),
    );
  });

  test("basaltd supervises containerd, kubelet and kube-proxy, healthy, and reported each phase", () => {
    const [answer] = lines(w1.ctl(["services", "-o", "json"]));
    const services: Json[] = answer.value.services;
    for (const name of ["containerd", "kubelet", "kube-proxy"]) {
      const s = services.find((x) => x.name === name);
      assert.equal(s?.state, "running", `${name}: ${JSON.stringify(s)}`);
      assert.equal(s?.health, "healthy", `${name}: ${JSON.stringify(s)}`);
    }
    const events = w1.ctl(["events", "--tail", "200"]);
    for (const phase of ["modules", "sysctls", "cgroups", "containerd", "pause-image", "join-check", "kubelet", "kube-proxy"])
      assert.match(events, new RegExp(`kubernetes\\s+${phase}\\s`), `event of phase ${phase}`);
    assert.match(events, /imported pinned registry\.k8s\.io\/pause:3\.10\.1/);
    assert.doesNotMatch(events, new RegExp(lab.bootstrapToken.split(".")[1]!), "the token's secret never shows");
  });

  test("an image built by the test is imported through the API; an archive that is not an image is refused", () => {
    const archive = join(lab.workDir, "busybox.tar");
    writeFileSync(archive, busyboxArchive());
    const out = lab.ctl(["image", "import", archive, "-n", "w1,w2", "-o", "json"]);
    assert.equal(lines(out).length, 2, out);
    for (const w of [w1, w2]) assert.match(w.ctl(["images"]), /basalt\.test\/busybox\s+1\.0/);
    const junk = join(lab.workDir, "junk.tar");
    writeFileSync(junk, Buffer.alloc(4096, 7));
    const refused = lab.ctlFails(["image", "import", junk, "-n", "w1"]);
    assert.match(refused, /not an image|not a tar|no index\.json|manifest/i);
    assert.match(w1.ctl(["version"]), /w1/, "the node stays manageable");
  });

  test("a Deployment runs on both workers; kubectl logs and exec reach the pods through kubelet", async () => {
    lab.kubectl.run(["apply", "-f", "-"], 60_000, deployment);
    const pods = await until("4 pods Running", 600_000, () => {
      const list: Json[] = lab.kubectl.json(["get", "pods", "-l", "app=web"]).items;
      const running = list.filter((p) => p.status.phase === "Running" && p.status.podIP);
      return running.length === 4 ? running : undefined;
    });
    const byNode = new Map<string, Json[]>();
    for (const p of pods) byNode.set(p.spec.nodeName, [...(byNode.get(p.spec.nodeName) ?? []), p]);
    assert.deepEqual([...byNode.keys()].sort(), ["w1", "w2"]);
    const pod = pods[0].metadata.name;
    assert.match(lab.kubectl.run(["logs", pod]), /hello from web-/);
    assert.equal(lab.kubectl.run(["exec", pod, "--", "cat", "/www/index.html"]).trim(), "ok");
  });

  test("basaltctl containers -k and logs -k show the same pods", () => {
    const pods: Json[] = lab.kubectl.json(["get", "pods", "-l", "app=web", "--field-selector", "spec.nodeName=w1"]).items;
    const listed = w1.ctl(["containers", "-k"]);
    for (const p of pods) assert.match(listed, new RegExp(p.metadata.name), listed);
    const logs = w1.ctl(["logs", "-k", `default/${pods[0].metadata.name}/web`, "--tail", "5"]);
    assert.match(logs, /hello from web-/);
  });

  test("two pods on one node reach each other by pod IP", () => {
    const pods: Json[] = lab.kubectl.json(["get", "pods", "-l", "app=web", "--field-selector", "spec.nodeName=w1"]).items;
    assert.ok(pods.length >= 2, `two pods on w1: ${pods.length}`);
    const [a, b] = pods;
    const out = lab.kubectl.run(["exec", a.metadata.name, "--", "wget", "-qO-", `http://${b.status.podIP}:8080/index.html`]);
    assert.equal(out.trim(), "ok");
  });

  test("reboot through the API: the Node is Ready again and its pods run", async () => {
    const before = lab.kubectl.json(["get", "pods", "-l", "app=web", "--field-selector", "spec.nodeName=w2"]).items;
    const started = w2.reboot();
    await w2.waitForApi(300_000, started);
    const apiAfter = w2.secondsSince(started);
    await until("w2 NotReady or rebooted kubelet", 300_000, () => {
      const n = lab.kubectl.json(["get", "node", w2.name]);
      return new Date(n.status.conditions.find((c: Json) => c.type === "Ready").lastHeartbeatTime).getTime() > started
        ? true
        : undefined;
    });
    await until("w2 Ready after reboot", joinTimeoutMs, () =>
      nodeReady(lab.kubectl.json(["get", "node", w2.name])) === "True" ? true : undefined,
    );
    timings.push({ node: "w2 (reboot)", apiReadyS: apiAfter, nodeReadyS: w2.secondsSince(started) });
    await until("w2's pods Running again", 600_000, () => {
      const list: Json[] = lab.kubectl.json(["get", "pods", "-l", "app=web", "--field-selector", "spec.nodeName=w2"]).items;
      const ok = list.length === before.length && list.every((p) => p.status.phase === "Running" && p.status.containerStatuses?.[0]?.ready);
      return ok ? list : undefined;
    });
  });

  test("a wrong bootstrap token: a clear event, kubelet in backoff, the node manageable", async () => {
    const w3 = await lab.addWorker("w3", { bootstrapToken: "abcdef.0000000000000000" });
    await w3.boot();
    await w3.waitForApi(300_000);
    const events = await until("join-check event", 300_000, () => {
      const e = w3.ctl(["events", "--tail", "200"]);
      return /join-check/.test(e) && /problem/.test(e) ? e : undefined;
    });
    assert.match(events, /rejected the bootstrap token abcdef\.<redacted> \(401 Unauthorized\)/);
    assert.doesNotMatch(events, /0000000000000000/);
    const kubelet = await until("kubelet failing", 300_000, () => {
      const [a] = lines(w3.ctl(["services", "-o", "json"]));
      const s = a.value.services.find((x: Json) => x.name === "kubelet");
      return s && s.health !== "healthy" && (s.restarts > 0 || s.state !== "running") ? s : undefined;
    });
    assert.notEqual(kubelet.health, "healthy");
    assert.match(w3.ctl(["version"]), /w3/);
    assert.equal(lab.kubectl.run(["get", "node", "w3", "--ignore-not-found"]).trim(), "");
  });
});

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 4
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      topologySpreadConstraints:
        - { maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: { matchLabels: { app: web } } }
      terminationGracePeriodSeconds: 2
      containers:
        - name: web
          image: basalt.test/busybox:1.0
          imagePullPolicy: Never
          command: ["/bin/sh", "-c", "echo hello from $(hostname); mkdir -p /www; echo ok > /www/index.html; exec httpd -f -p 8080 -h /www"]
          ports: [{ containerPort: 8080 }]
`;
