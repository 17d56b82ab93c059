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
 * CIDRs), and Basalt VMs of the `kubernetes` image (TCG, 1 vCPU each) whose configs come from
 * `basaltctl gen secrets` / `gen config --worker`. The VMs are shared by the cases, in order.
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

const cases = 11;

/** The client address busybox httpd hands a CGI script: "[::ffff:10.244.0.3]" on its dual-stack socket. */
const clientIp = (remoteAddr: string): string => remoteAddr.trim().replace(/^\[(::ffff:)?|\]$/g, "");

describe("Basalt workers join a real cluster", { timeout: 3_600_000 }, () => {
  let lab: K8sLab;
  let w1: Worker;
  let w2: Worker;
  let w3: Worker;
  let passed = 0;
  const timings: { node: string; apiReadyS: number; nodeReadyS: number }[] = [];
  const podsOn = async (node: string): Promise<Json[]> =>
    (await lab.kubectl.json(["get", "pods", "-l", "app=web", "--field-selector", `spec.nodeName=${node}`]))
      .items;

  before(async () => {
    lab = await startK8sLab({
      // w3 joins with a token the cluster does not know: the bad-input case.
      workers: [{ name: "w1" }, { name: "w2" }, { name: "w3", bootstrapToken: "abcdef.0000000000000000" }],
      log: (l) => console.log(`  lab ${l}`),
    });
    [w1, w2, w3] = [lab.worker("w1"), lab.worker("w2"), lab.worker("w3")];
  });

  after(async () => {
    if (timings.length) console.log(`  timings (s since qemu start): ${JSON.stringify(timings)}`);
    if (passed < cases) lab?.markFailed(); // keeps console and control plane logs
    await lab?.stop();
  });

  test("a wrong bootstrap token: a clear event, no Node, the node still manageable", async () => {
    const events = await until("w3's join-check verdict", 600_000, async () => {
      const e = await w3.ctl(["events", "--tail", "200"]);
      return /join-check\s+problem/.test(e) ? e : undefined;
    });
    assert.match(events, /rejected the bootstrap token abcdef\.<redacted> \(401 Unauthorized\)/);
    assert.doesNotMatch(events, /0000000000000000/);
    assert.match(await w3.ctl(["services"]), /kubelet/);
    assert.match(await w3.ctl(["version"]), /w3/, "the node stays manageable");
    assert.equal((await lab.kubectl.run(["get", "node", "w3", "--ignore-not-found"])).trim(), "");
    await w3.stop(); // frees its vCPU for the other workers
    passed++;
  });

  test("both VMs join: Nodes Ready with kubelet v1.34.4 and the Basalt OS image", async () => {
    await Promise.all(
      [w1, w2].map(async (w) => {
        await w.waitForApi(300_000);
        const apiReady = w.apiReadySeconds() ?? Number.NaN;
        const node = await until(`Node ${w.name} Ready`, joinTimeoutMs, async () => {
          const n = await lab.kubectl.json(["get", "node", w.name]);
          return nodeReady(n) === "True" ? n : undefined;
        });
        timings.push({
          node: w.name,
          apiReadyS: apiReady,
          nodeReadyS: w.nodeReadySeconds() ?? w.secondsSinceBoot(),
        });
        assert.equal(node.status.nodeInfo.kubeletVersion, "v1.34.4");
        assert.match(node.status.nodeInfo.osImage, /^Basalt/);
        assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/v?2\.2\./);
        assert.ok(node.spec.podCIDR, "kube-controller-manager allocated a podCIDR");
        const ip = node.status.addresses.find((a: Json) => a.type === "InternalIP")?.address;
        assert.equal(ip, w.ip);
      }),
    );
    passed++;
  });

  test("basaltd supervises containerd, kubelet and kube-proxy, healthy, and reported each phase", async () => {
    const services = await until("kube-proxy healthy", 300_000, async () => {
      const [answer] = lines(await w1.ctl(["services", "-o", "json"]));
      const list: Json[] = answer.value.services;
      return list.find((s) => s.name === "kube-proxy")?.health === "healthy" ? list : undefined;
    });
    for (const name of ["containerd", "kubelet", "kube-proxy"]) {
      const s = services.find((x) => x.name === name);
      assert.equal(s?.state, "running", `${name}: ${JSON.stringify(s)}`);
      assert.equal(s?.health, "healthy", `${name}: ${JSON.stringify(s)}`);
    }
    const events = await w1.ctl(["events", "--tail", "300"]);
    for (const phase of [
      "modules",
      "sysctls",
      "cgroups",
      "files",
      "containerd",
      "pause-image",
      "join-check",
      "kubelet",
      "kube-proxy",
    ])
      assert.match(events, new RegExp(`kubernetes\\s+${phase}\\s`), `event of phase ${phase}`);
    assert.match(events, /imported pinned registry\.k8s\.io\/pause:3\.10\.1/);
    assert.match(events, /accepts the bootstrap token [a-z0-9]{6}\.<redacted>/);
    assert.doesNotMatch(
      events,
      new RegExp(lab.bootstrapToken.split(".")[1]!),
      "the token's secret never shows",
    );
    passed++;
  });

  test("an image built by the test is imported through the API; an archive that is not an image is refused", async () => {
    const archive = join(lab.workDir, "busybox.tar");
    writeFileSync(archive, busyboxArchive());
    const out = await lab.ctl(["image", "import", archive, "-n", "w1,w2", "-o", "json"]);
    assert.equal(lines(out).filter((l) => l.value && !l.error).length >= 2, true, out);
    for (const w of [w1, w2]) assert.match(await w.ctl(["images"]), /basalt\.test\/busybox/);
    const junk = join(lab.workDir, "junk.tar");
    writeFileSync(junk, Buffer.alloc(4096, 7));
    const refused = await lab.ctlFails(["image", "import", junk, "-n", "w1"]);
    assert.match(refused, /not an image|not a tar|archive/i, refused);
    assert.match(await w1.ctl(["version"]), /w1/, "the node stays manageable");
    passed++;
  });

  test("a Deployment runs on both workers; kubectl logs and exec reach the pods through kubelet", async () => {
    await lab.kubectl.run(["apply", "-f", "-"], 60_000, deployment);
    const pods = await until("4 pods Running", 600_000, async () => {
      const list: Json[] = (await lab.kubectl.json(["get", "pods", "-l", "app=web"])).items;
      const running = list.filter((p) => p.status.phase === "Running" && p.status.podIP);
      return running.length === 4 ? running : undefined;
    });
    assert.deepEqual([...new Set(pods.map((p) => p.spec.nodeName))].sort(), ["w1", "w2"]);
    const pod = pods[0].metadata.name;
    assert.match(await lab.kubectl.run(["logs", pod]), /hello from web-/);
    assert.equal((await lab.kubectl.run(["exec", pod, "--", "cat", "/www/index.html"])).trim(), "ok");
    passed++;
  });

  test("basaltctl containers -k and logs -k show the same pods", async () => {
    const pods = await podsOn("w1");
    const listed = await w1.ctl(["containers", "-k"]);
    for (const p of pods) assert.match(listed, new RegExp(p.metadata.name), listed);
    const logs = await w1.ctl(["logs", "-k", `default/${pods[0].metadata.name}/web`, "--tail", "5"]);
    assert.match(logs, /hello from web-/);
    passed++;
  });

  test("two pods on one node reach each other by pod IP", async () => {
    const pods = await podsOn("w1");
    assert.ok(pods.length >= 2, `two pods on w1: ${pods.length}`);
    const [a, b] = pods;
    const out = await lab.kubectl.run([
      "exec",
      a.metadata.name,
      "--",
      "wget",
      "-qO-",
      `http://${b.status.podIP}:8080/index.html`,
    ]);
    assert.equal(out.trim(), "ok");
    passed++;
  });

  test("basaltd keeps a host route to the other worker's podCIDR (basaltctl routes); a Node that goes away takes its route along", async () => {
    const nodes: Json[] = (await lab.kubectl.json(["get", "nodes"])).items;
    const cidr = (name: string) => nodes.find((n) => n.metadata.name === name)?.spec.podCIDR as string;
    assert.notEqual(cidr("w1"), cidr("w2"), "each Node has its own podCIDR");
    const routesOf = async (w: Worker): Promise<Json[]> =>
      lines(await w.ctl(["routes", "-o", "json"]))[0].value.routes;
    const hasRoute = (routes: Json[], dst: string, via: string) =>
      routes.some((r) => r.destination === dst && r.gateway === via);
    for (const [from, to] of [
      [w1, w2],
      [w2, w1],
    ] as const)
      await until(`${from.name}'s route to ${to.name}'s pods`, 300_000, async () =>
        hasRoute(await routesOf(from), cidr(to.name), to.ip) ? true : undefined,
      );
    const events = await w1.ctl(["events", "--tail", "400"]);
    assert.match(
      events,
      new RegExp(
        `pod-routes\\s+add ${cidr("w2").replace(/\./g, "\\.")} via ${w2.ip.replace(/\./g, "\\.")}: Node w2's podCIDR`,
      ),
    );
    assert.match(events, /pod-routes\s+masquerade from \S+ except to pod CIDRs/);
    // A Node object that comes and goes (no VM behind it): its route is added, then removed.
    const ghost = { dst: "10.244.200.0/24", via: "10.77.0.99" };
    await lab.kubectl.run(
      ["apply", "-f", "-"],
      60_000,
      `apiVersion: v1\nkind: Node\nmetadata: { name: ghost }\nspec: { podCIDR: ${ghost.dst}, podCIDRs: [${ghost.dst}] }\n`,
    );
    await lab.kubectl.run([
      "patch",
      "node",
      "ghost",
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status: { addresses: [{ type: "InternalIP", address: ghost.via }] } }),
    ]);
    await until("w1's route to the ghost Node's pods", 120_000, async () =>
      hasRoute(await routesOf(w1), ghost.dst, ghost.via) ? true : undefined,
    );
    await lab.kubectl.run(["delete", "node", "ghost"]);
    await until("the ghost route removed", 120_000, async () =>
      hasRoute(await routesOf(w1), ghost.dst, ghost.via) ? undefined : true,
    );
    assert.match(
      await w1.ctl(["events", "--tail", "50"]),
      /pod-routes\s+remove 10\.244\.200\.0\/24 via 10\.77\.0\.99: no Node has podCIDR/,
    );
    assert.ok(hasRoute(await routesOf(w1), cidr("w2"), w2.ip), "the real Node's route stays");
    const said = (await w1.ctl(["events", "--tail", "400"]))
      .split("\n")
      .filter((l) => l.includes("pod-routes"));
    console.log(`  w1 pod-routes events:\n${said.map((l) => `    ${l}`).join("\n")}`);
    passed++;
  });

  test("a pod on w1 reaches a pod on w2 by pod IP, both ways, and the peer sees the real pod IP (no NAT)", async () => {
    const [a] = await podsOn("w1");
    const [b] = await podsOn("w2");
    // busybox httpd runs CGI: a script that answers with the client address the server saw.
    for (const p of [a, b])
      await lab.kubectl.run([
        "exec",
        p.metadata.name,
        "--",
        "sh",
        "-c",
        "mkdir -p /www/cgi-bin && echo '#!/bin/sh' > /www/cgi-bin/ip && echo 'echo Content-Type: text/plain; echo; echo $REMOTE_ADDR' >> /www/cgi-bin/ip && chmod 755 /www/cgi-bin/ip",
      ]);
    const get = (from: Json, url: string) =>
      lab.kubectl.run(["exec", from.metadata.name, "--", "wget", "-qO-", url], 60_000);
    assert.equal((await get(a, `http://${b.status.podIP}:8080/index.html`)).trim(), "ok");
    assert.equal(clientIp(await get(a, `http://${b.status.podIP}:8080/cgi-bin/ip`)), a.status.podIP);
    assert.equal(clientIp(await get(b, `http://${a.status.podIP}:8080/cgi-bin/ip`)), b.status.podIP);
    passed++;
  });

  test("a ClusterIP Service (kube-proxy) takes a pod on w1 to the pod behind it on w2", async () => {
    const [a] = await podsOn("w1");
    const [b] = await podsOn("w2");
    await lab.kubectl.run(["label", "pod", b.metadata.name, "pin=w2", "--overwrite"]);
    await lab.kubectl.run(
      ["apply", "-f", "-"],
      60_000,
      `apiVersion: v1
kind: Service
metadata: { name: web-w2 }
spec:
  type: ClusterIP
  selector: { app: web, pin: w2 }
  ports: [{ port: 80, targetPort: 8080 }]
`,
    );
    const svc = await lab.kubectl.json(["get", "service", "web-w2"]);
    const ip: string = svc.spec.clusterIP;
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    // kube-proxy on w1 programs the Service once it sees the EndpointSlice.
    const seen = await until("the Service answering from w1", 300_000, async () => {
      try {
        const args = ["exec", a.metadata.name, "--", "wget", "-qO-", `http://${ip}/cgi-bin/ip`];
        return (await lab.kubectl.run(args, 30_000)).trim() || undefined;
      } catch {
        return undefined;
      }
    });
    assert.equal(
      clientIp(seen),
      a.status.podIP,
      "DNAT to the pod on w2, source kept (kube-proxy masquerades only off-node clients)",
    );
    passed++;
  });

  test("reboot through the API: the Node is Ready again and its pods run", async () => {
    const before = await podsOn("w2");
    const started = await w2.reboot();
    const apiAfter = await w2.waitForApi(300_000, started);
    await until("w2's kubelet reporting after the reboot", 600_000, async () => {
      const n = await lab.kubectl.json(["get", "node", w2.name]);
      const ready = n.status.conditions.find((c: Json) => c.type === "Ready");
      return ready.status === "True" && new Date(ready.lastHeartbeatTime).getTime() > started ? n : undefined;
    });
    timings.push({ node: "w2 (reboot)", apiReadyS: apiAfter, nodeReadyS: w2.secondsSince(started) });
    await until("w2's pods Running again", 600_000, async () => {
      const list = await podsOn("w2");
      const ok =
        list.length === before.length &&
        list.every((p) => p.status.phase === "Running" && p.status.containerStatuses?.[0]?.ready);
      return ok ? list : undefined;
    });
    // Routes are kernel state: after the reboot basaltd puts w2's route to w1's pods back.
    const w1Cidr: string = (await lab.kubectl.json(["get", "node", "w1"])).spec.podCIDR;
    await until("w2's route to w1's pods after the reboot", 300_000, async () => {
      const [answer] = lines(await w2.ctl(["routes", "-o", "json"]));
      return answer.value.routes.some((r: Json) => r.destination === w1Cidr && r.gateway === w1.ip)
        ? true
        : undefined;
    });
    passed++;
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
