import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import type { CreatedCluster } from "./created-cluster.ts";
import type { Kubectl } from "./kubectl.ts";
import { until } from "./kubectl.ts";

/**
 * What a Basalt worker does for the pods on it, checked on the one-cluster suite's two workers (they
 * were a suite of their own, with their own VMs and a control plane on the host): the supervised
 * node services and their start-up events, an archive refused as an image, kubectl logs and exec,
 * pod to pod on one node and across nodes without NAT, host-gw routes kept from the Nodes' podCIDRs
 * (a Node that goes away takes its route along), a ClusterIP Service through kube-proxy, and routes
 * put back after a reboot. A Deployment of its own (`net`, 4 pods) is removed after the last of them,
 * before the controller's cases.
 */

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes and basaltctl JSON, checked field by field
type Json = any;

export interface WorkerCaseContext {
  created: CreatedCluster;
  kubectl(): Kubectl;
  workers: readonly [string, string];
  /** Counts a passed case. */
  passed(): void;
}

/** How many cases `podNetworkCases` and `routesAfterRebootCase` add. */
export const workerCaseCount = 8;

const lines = (out: string): Json[] =>
  out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** The client address busybox httpd hands a CGI script: "[::ffff:10.244.0.3]" on its dual-stack socket. */
const clientIp = (remoteAddr: string): string => remoteAddr.trim().replace(/^\[(::ffff:)?|\]$/g, "");

const routesOf = async (c: WorkerCaseContext, node: string): Promise<Json[]> =>
  lines(await c.created.nodeCtl(node, ["routes", "-o", "json"]))[0].value.routes;
const hasRoute = (routes: Json[], dst: string, via: string) =>
  routes.some((r) => r.destination === dst && r.gateway === via);
const ipOf = (c: WorkerCaseContext, node: string) => c.created.state().nodes.find((n) => n.name === node)!.ip;
const podCidrOf = async (c: WorkerCaseContext, node: string): Promise<string> =>
  (await c.kubectl().json(["get", "node", node])).spec.podCIDR;
const netPodsOn = async (c: WorkerCaseContext, node: string): Promise<Json[]> =>
  (
    await c.kubectl().json(["get", "pods", "-l", "app=net", "--field-selector", `spec.nodeName=${node}`])
  ).items.filter((p: Json) => !p.metadata.deletionTimestamp);

/** Registers the worker cases that need the `net` Deployment; call inside the suite's describe. */
export function podNetworkCases(c: WorkerCaseContext): void {
  const [w1, w2] = c.workers;

  test("basaltd on each worker supervises containerd, kubelet and kube-proxy, healthy, and reported each start-up phase; the token's secret never shows", async () => {
    const secret = String(parse(readFileSync(c.created.secretsPath, "utf8")).kubernetes.bootstrapToken).split(
      ".",
    )[1]!;
    for (const w of c.workers) {
      const services = await until(`${w}: kube-proxy healthy`, 300_000, async () => {
        const list: Json[] = lines(await c.created.nodeCtl(w, ["services", "-o", "json"]))[0].value.services;
        return list.find((s) => s.name === "kube-proxy")?.health === "healthy" ? list : undefined;
      });
      for (const name of ["containerd", "kubelet", "kube-proxy"]) {
        const s = services.find((x) => x.name === name);
        assert.equal(s?.state, "running", `${w} ${name}: ${JSON.stringify(s)}`);
        assert.equal(s?.health, "healthy", `${w} ${name}: ${JSON.stringify(s)}`);
      }
      const events = await c.created.nodeCtl(w, ["events", "--tail", "400"]);
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
        assert.match(events, new RegExp(`kubernetes\\s+${phase}\\s`), `${w}: event of phase ${phase}`);
      assert.match(events, /imported pinned registry\.k8s\.io\/pause:3\.10\.1/);
      assert.match(events, /accepts the bootstrap token [a-z0-9]{6}\.<redacted>/);
      assert.doesNotMatch(events, new RegExp(secret), "the token's secret never shows");
    }
    c.passed();
  });

  test("an archive that is not an image is refused, and the node stays manageable", async () => {
    const junk = join(c.created.workDir, "junk.tar");
    writeFileSync(junk, Buffer.alloc(4096, 7));
    const refused = await c.created.nodeCtl(w1, ["image", "import", junk]).then(
      (out) => assert.fail(`imported: ${out}`),
      (err: Error) => err.message,
    );
    assert.match(refused, /not an image|not a tar|archive/i, refused);
    assert.match(await c.created.nodeCtl(w1, ["images"]), /basalt\.test\/busybox/);
    assert.match(await c.created.nodeCtl(w1, ["version"]), new RegExp(w1));
    c.passed();
  });

  test("a Deployment spread over both workers; kubectl logs and exec reach its pods through kubelet; basaltctl containers -k and logs -k show them", async () => {
    await c.kubectl().run(["apply", "-f", "-"], 300_000, netYaml);
    const pods = await until("4 net pods Running", 600_000, async () => {
      const list: Json[] = (await c.kubectl().json(["get", "pods", "-l", "app=net"])).items;
      const running = list.filter((p) => p.status.phase === "Running" && p.status.podIP);
      return running.length === 4 ? running : undefined;
    });
    assert.deepEqual([...new Set(pods.map((p) => p.spec.nodeName))].sort(), [w1, w2]);
    const pod = pods[0].metadata.name;
    assert.match(await c.kubectl().run(["logs", pod]), /hello from net-/);
    assert.equal((await c.kubectl().run(["exec", pod, "--", "cat", "/www/index.html"])).trim(), "ok");
    const onW1 = await netPodsOn(c, w1);
    const listed = await c.created.nodeCtl(w1, ["containers", "-k"]);
    for (const p of onW1) assert.match(listed, new RegExp(p.metadata.name), listed);
    const logs = await c.created.nodeCtl(w1, [
      "logs",
      "-k",
      `default/${onW1[0].metadata.name}/web`,
      "--tail",
      "5",
    ]);
    assert.match(logs, /hello from net-/);
    c.passed();
  });

  test("two pods on one node reach each other by pod IP", async () => {
    const pods = await netPodsOn(c, w1);
    assert.ok(pods.length >= 2, `two pods on ${w1}: ${pods.length}`);
    const [a, b] = pods;
    const url = `http://${b.status.podIP}:8080/index.html`;
    assert.equal((await c.kubectl().run(["exec", a.metadata.name, "--", "wget", "-qO-", url])).trim(), "ok");
    c.passed();
  });

  test("basaltd keeps a host route to the other worker's podCIDR (basaltctl routes); a Node that goes away takes its route along", async () => {
    const [cidr1, cidr2] = [await podCidrOf(c, w1), await podCidrOf(c, w2)];
    const [ip1, ip2] = [ipOf(c, w1), ipOf(c, w2)];
    assert.notEqual(cidr1, cidr2, "each Node has its own podCIDR");
    for (const [from, cidr, via] of [
      [w1, cidr2, ip2],
      [w2, cidr1, ip1],
    ] as const)
      await until(`${from}'s route to ${cidr}`, 300_000, async () =>
        hasRoute(await routesOf(c, from), cidr, via) ? true : undefined,
      );
    const escaped = (s: string) => s.replace(/\./g, "\\.");
    const events = await c.created.nodeCtl(w1, ["events", "--tail", "400"]);
    assert.match(
      events,
      new RegExp(`pod-routes\\s+add ${escaped(cidr2)} via ${escaped(ip2)}: Node ${w2}'s podCIDR`),
    );
    assert.match(events, /pod-routes\s+masquerade from \S+ except to pod CIDRs/);
    // A Node object that comes and goes (no VM behind it), on the workers' own subnet.
    const ghost = { dst: "10.244.200.0/24", via: ip1.replace(/\.\d+$/, ".99") };
    await c
      .kubectl()
      .run(
        ["apply", "-f", "-"],
        60_000,
        `apiVersion: v1\nkind: Node\nmetadata: { name: ghost }\nspec: { podCIDR: ${ghost.dst}, podCIDRs: [${ghost.dst}] }\n`,
      );
    await c
      .kubectl()
      .run([
        "patch",
        "node",
        "ghost",
        "--subresource=status",
        "--type=merge",
        "-p",
        JSON.stringify({ status: { addresses: [{ type: "InternalIP", address: ghost.via }] } }),
      ]);
    await until(`${w1}'s route to the ghost Node's pods`, 120_000, async () =>
      hasRoute(await routesOf(c, w1), ghost.dst, ghost.via) ? true : undefined,
    );
    await c.kubectl().run(["delete", "node", "ghost"]);
    await until("the ghost route removed", 120_000, async () =>
      hasRoute(await routesOf(c, w1), ghost.dst, ghost.via) ? undefined : true,
    );
    assert.match(
      await c.created.nodeCtl(w1, ["events", "--tail", "50"]),
      new RegExp(`pod-routes\\s+remove 10\\.244\\.200\\.0/24 via ${escaped(ghost.via)}: no Node has podCIDR`),
    );
    assert.ok(hasRoute(await routesOf(c, w1), cidr2, ip2), "the real Node's route stays");
    c.passed();
  });

  test("a pod on one worker reaches a pod on the other by pod IP, both ways, and the peer sees the real pod IP (no NAT)", async () => {
    const [a] = await netPodsOn(c, w1);
    const [b] = await netPodsOn(c, w2);
    // busybox httpd runs CGI: a script that answers with the client address the server saw.
    for (const p of [a, b])
      await c
        .kubectl()
        .run([
          "exec",
          p.metadata.name,
          "--",
          "sh",
          "-c",
          "mkdir -p /www/cgi-bin && echo '#!/bin/sh' > /www/cgi-bin/ip && echo 'echo Content-Type: text/plain; echo; echo $REMOTE_ADDR' >> /www/cgi-bin/ip && chmod 755 /www/cgi-bin/ip",
        ]);
    const get = (from: Json, url: string) =>
      c.kubectl().run(["exec", from.metadata.name, "--", "wget", "-qO-", url], 60_000);
    assert.equal((await get(a, `http://${b.status.podIP}:8080/index.html`)).trim(), "ok");
    assert.equal(clientIp(await get(a, `http://${b.status.podIP}:8080/cgi-bin/ip`)), a.status.podIP);
    assert.equal(clientIp(await get(b, `http://${a.status.podIP}:8080/cgi-bin/ip`)), b.status.podIP);
    c.passed();
  });

  test("a ClusterIP Service (kube-proxy) takes a pod on one worker to the pod behind it on the other", async () => {
    const [a] = await netPodsOn(c, w1);
    const [b] = await netPodsOn(c, w2);
    await c.kubectl().run(["label", "pod", b.metadata.name, "pin=w2", "--overwrite"]);
    await c
      .kubectl()
      .run(
        ["apply", "-f", "-"],
        60_000,
        "apiVersion: v1\nkind: Service\nmetadata: { name: net-w2 }\nspec:\n  type: ClusterIP\n  selector: { app: net, pin: w2 }\n  ports: [{ port: 80, targetPort: 8080 }]\n",
      );
    const ip: string = (await c.kubectl().json(["get", "service", "net-w2"])).spec.clusterIP;
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    // kube-proxy on w1 programs the Service once it sees the EndpointSlice.
    const seen = await until("the Service answering from the first worker", 300_000, async () => {
      try {
        const args = ["exec", a.metadata.name, "--", "wget", "-qO-", `http://${ip}/cgi-bin/ip`];
        return (await c.kubectl().run(args, 30_000)).trim() || undefined;
      } catch {
        return undefined;
      }
    });
    assert.equal(
      clientIp(seen),
      a.status.podIP,
      "DNAT to the pod on the other worker, source kept (kube-proxy masquerades only off-node clients)",
    );
    // The controller's cases want the workers to themselves.
    await c.kubectl().run(["delete", "service", "net-w2", "--wait=true"]);
    await c.kubectl().run(["delete", "deployment", "net", "--wait=true", "--timeout=180s"], 240_000);
    c.passed();
  });
}

/** Registers the check that follows the workers' upgrade reboots: each holds its route to the other's pods again. */
export function routesAfterRebootCase(c: WorkerCaseContext, after: () => boolean): void {
  const [w1, w2] = c.workers;
  test("after their upgrade reboots, each worker holds its route to the other's pods again (routes are kernel state: basaltd puts them back)", async () => {
    assert.ok(after(), "the workers were rebooted by the rolling upgrade");
    for (const [from, to] of [
      [w1, w2],
      [w2, w1],
    ] as const) {
      const cidr = await podCidrOf(c, to);
      await until(`${from}'s route to ${to}'s pods after its reboot`, 300_000, async () =>
        hasRoute(await routesOf(c, from), cidr, ipOf(c, to)) ? true : undefined,
      );
    }
    c.passed();
  });
}

const netYaml = `apiVersion: apps/v1
kind: Deployment
metadata: { name: net, namespace: default }
spec:
  replicas: 4
  selector: { matchLabels: { app: net } }
  template:
    metadata: { labels: { app: net } }
    spec:
      topologySpreadConstraints:
        # nodeTaintsPolicy Honor: the control plane's Node (tainted NoSchedule) is not a domain to spread over.
        - { maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, nodeTaintsPolicy: Honor, labelSelector: { matchLabels: { app: net } } }
      terminationGracePeriodSeconds: 2
      containers:
        - name: web
          image: basalt.test/busybox:1.0
          imagePullPolicy: Never
          command: ["/bin/sh", "-c", "echo hello from $(hostname); mkdir -p /www; echo ok > /www/index.html; exec httpd -f -p 8080 -h /www"]
          ports: [{ containerPort: 8080 }]
`;
