import "reflect-metadata";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { webcrypto } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { listNamespaces } from "@basalt/provision";
import { type NetnsCluster, startNetnsCluster, waitFor } from "@basalt/testkit";
import { CertificatesV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import * as x509 from "@peculiar/x509";
import { cachedImage } from "./support/cached-image.ts";
import { ctl } from "./support/vm-config.ts";

/**
 * The provisioning harness end to end, with the base image: a network namespace (bridge, one tap per
 * VM, no uplink), the testkit control plane inside it bound to the bridge address, two Basalt VMs
 * with static addresses booted at once, everything reached from the host only through loopback
 * forwards — and nothing left behind afterwards. What kubelets joining need (bootstrap-token auth,
 * CSR approval and signing, node IPAM) is proven against the apiserver without a kubelet.
 */

// biome-ignore lint/suspicious/noExplicitAny: protobuf JSON of several response types, checked field by field
type Answer = { node: string; value: any };
const json = (out: string): Answer[] =>
  out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Answer);

/** Prints the apiserver's /version, verified against the cluster CA, once it answers; then idles. */
const apiserverProbe = `
const https = require("node:https");
const attempt = () => https.get({ host: process.env.APISERVER, port: 6443, path: "/version", ca: process.env.CA }, (res) => {
  let body = ""; res.on("data", (c) => body += c);
  res.on("end", () => { console.log("apiserver says " + JSON.stringify(JSON.parse(body))); setInterval(() => {}, 1 << 30); });
}).on("error", (e) => { console.log("apiserver not reached: " + e.message); setTimeout(attempt, 2000); });
attempt();`;
const idle = "setInterval(() => {}, 1 << 30)";

describe("netns cluster: control plane and two Basalt VMs on a private bridge", {
  timeout: 1_200_000,
}, () => {
  let cluster: NetnsCluster;
  let env: Record<string, string>;
  let namespace: string;
  let failed = false;

  before(async () => {
    const image = (await cachedImage((l) => console.log(`  imager ${l}`))).dir;
    const names = ["node-a", "node-b"];
    cluster = await startNetnsCluster({
      image,
      log: (l) => console.log(`  ${l}`),
      controlPlane: {},
      vms: names.map((name, i) => ({
        name,
        memoryMiB: 1536,
        configure: (config, { plan, kubernetes }) => ({
          ...config,
          services: [
            {
              name: "cp-probe",
              command: ["/usr/bin/node", "-e", apiserverProbe],
              env: { APISERVER: plan.bridge.ip, CA: kubernetes!.caCert },
              // The other VM's API port: healthy only if this VM reaches it over the bridge.
              health: { tcp: `${plan.vms[1 - i]!.ip}:50000` },
            },
            // Nobody has this address: the same kind of probe must fail.
            {
              name: "void-probe",
              command: ["/usr/bin/node", "-e", idle],
              health: { tcp: "10.77.0.99:50000" },
            },
          ],
        }),
      })),
    });
    namespace = cluster.network.plan.namespace;
    env = { BASALTCONFIG: cluster.clientConfigPath };
    console.log(`  timings (s): ${JSON.stringify(cluster.timings)}`);
  });

  after(async () => {
    if (failed) cluster?.markFailed();
    await cluster?.destroy();
  });

  const track = (fn: () => Promise<void> | void) => async () => {
    try {
      await fn();
    } catch (err) {
      failed = true;
      throw err;
    }
  };

  test(
    "the apiserver is bound to the bridge address inside and answers kubectl through a loopback forward",
    track(() => {
      const cp = cluster.controlPlane!;
      assert.equal(cp.internalServer, "https://10.77.0.1:6443");
      assert.match(cp.server, /^https:\/\/127\.0\.0\.1:\d+$/);
      const kubectl = join(cp.binDir, "kubectl");
      const version = JSON.parse(
        execFileSync(kubectl, ["--kubeconfig", cp.kubeconfigPath, "get", "--raw", "/version"], {
          encoding: "utf8",
        }),
      );
      assert.equal(version.gitVersion, "v1.34.4");
      // The apiserver advertises the bridge address as the kubernetes Service's endpoint.
      const eps = execFileSync(
        kubectl,
        ["--kubeconfig", cp.kubeconfigPath, "get", "endpointslices", "-n", "default", "-o", "json"],
        { encoding: "utf8" },
      );
      assert.match(eps, /"10\.77\.0\.1"/);
    }),
  );

  test(
    "basaltctl version answers from both VMs through their forwards",
    track(() => {
      const answers = json(ctl(["version", "-o", "json", "-n", "all"], env));
      assert.deepEqual(answers.map((a) => a.node).sort(), ["node-a", "node-b"]);
      for (const a of answers) {
        assert.equal(a.value.mode, "init");
        assert.equal(a.value.osName, "Basalt");
      }
      for (const vm of cluster.vms) assert.match(vm.apiEndpoint, /^127\.0\.0\.1:\d+$/);
    }),
  );

  test(
    "each VM has its static address, MAC and default route on the bridge",
    track(() => {
      const addrs = json(ctl(["addresses", "-o", "json", "-n", "all"], env));
      const links = json(ctl(["links", "-o", "json", "-n", "all"], env));
      const routes = json(ctl(["routes", "-o", "json", "-n", "all"], env));
      for (const vm of cluster.vms) {
        const a = addrs.find((x) => x.node === vm.name)!.value.addresses;
        assert.ok(
          a.some((x: { link: string; cidr: string }) => x.link === "eth0" && x.cidr === vm.cidr),
          `${vm.name}: ${JSON.stringify(a)}`,
        );
        const eth0 = links
          .find((x) => x.node === vm.name)!
          .value.links.find((l: { name: string }) => l.name === "eth0");
        assert.equal(eth0.mac, vm.mac);
        const r = routes.find((x) => x.node === vm.name)!.value.routes;
        assert.ok(
          r.some((x: { gateway?: string; link: string }) => x.gateway === "10.77.0.1" && x.link === "eth0"),
          `${vm.name}: ${JSON.stringify(r)}`,
        );
      }
    }),
  );

  test(
    "VM → VM and VM → apiserver over the bridge: peer API probes healthy, a probe to nobody not, /version fetched",
    track(async () => {
      await waitFor(
        () => {
          const services = json(ctl(["services", "-o", "json", "-n", "all"], env));
          return services.every((s) => {
            const byName = (n: string) => s.value.services.find((x: { name: string }) => x.name === n);
            return byName("cp-probe")?.health === "healthy" && byName("void-probe")?.health === "unhealthy";
          });
        },
        120_000,
        "cp-probe healthy and void-probe unhealthy on both VMs",
        { intervalMs: 2000 },
      );
      const services = json(ctl(["services", "-o", "json", "-n", "all"], env));
      for (const s of services) {
        const peer = cluster.vms.find((v) => v.name !== s.node)!;
        const probe = s.value.services.find((x: { name: string }) => x.name === "cp-probe");
        assert.match(
          probe.healthMessage,
          new RegExp(`tcp ${peer.ip.replace(/\./g, "\\.")}:50000 accepts connections`),
        );
      }
      for (const vm of cluster.vms) {
        await waitFor(
          () =>
            /apiserver says .*"gitVersion":"v1\.34\.4"/.test(ctl(["logs", "cp-probe", "-n", vm.name], env)),
          120_000,
          `${vm.name} fetched the apiserver's /version`,
          { intervalMs: 2000 },
        );
      }
    }),
  );

  test(
    "joining is prepared: the bootstrap token authenticates, its CSR is approved and signed, Nodes get a podCIDR",
    track(async () => {
      const cp = cluster.controlPlane!;
      const token = cluster.kubernetes!.bootstrapToken;
      assert.deepEqual(cluster.join!.secret, `kube-system/bootstrap-token-${token.slice(0, 6)}`);
      const rbac = cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
      for (const name of cluster.join!.clusterRoleBindings)
        assert.ok(await rbac.readClusterRoleBinding({ name }));

      // A kubelet's first step, done by hand: a client-certificate CSR made with the bootstrap token.
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "c", server: cp.server, caData: Buffer.from(cp.caCert).toString("base64") }],
        users: [{ name: "bootstrap", token }],
        contexts: [{ name: "c", cluster: "c", user: "bootstrap" }],
        currentContext: "c",
      });
      const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
      const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name: "CN=system:node:probe-node, O=system:nodes",
        keys,
        signingAlgorithm: alg,
      });
      const certs = kc.makeApiClient(CertificatesV1Api);
      const name = `node-csr-${Date.now()}`;
      await certs.createCertificateSigningRequest({
        body: {
          metadata: { name },
          spec: {
            request: Buffer.from(csr.toString("pem")).toString("base64"),
            signerName: "kubernetes.io/kube-apiserver-client-kubelet",
            usages: ["digital signature", "client auth"],
          },
        },
      });
      let issued = "";
      await waitFor(
        async () => {
          const got = await certs.readCertificateSigningRequest({ name });
          issued = got.status?.certificate ?? "";
          return issued !== "";
        },
        60_000,
        "the bootstrap CSR approved (csrapproving) and signed (csrsigning)",
        { intervalMs: 500 },
      );
      const cert = new x509.X509Certificate(Buffer.from(issued, "base64").toString());
      assert.match(cert.subject, /\bCN=system:node:probe-node\b/);
      assert.match(cert.subject, /\bO=system:nodes\b/);
      assert.ok(
        await cert.verify({ publicKey: new x509.X509Certificate(cp.caCert).publicKey, signatureOnly: true }),
      );

      // Node IPAM: a Node gets a /24 from the cluster CIDR.
      const core = cp.kubeConfig.makeApiClient(CoreV1Api);
      await core.createNode({ body: { metadata: { name: "ipam-probe" } } });
      let podCidr = "";
      await waitFor(
        async () => {
          podCidr = (await core.readNode({ name: "ipam-probe" })).spec?.podCIDR ?? "";
          return podCidr !== "";
        },
        60_000,
        "a podCIDR on the Node (nodeipam)",
        { intervalMs: 500 },
      );
      assert.match(podCidr, /^10\.244\.\d+\.0\/24$/);
      await core.deleteNode({ name: "ipam-probe" });
    }),
  );

  test(
    "teardown leaves no namespace, tap or process",
    track(async () => {
      const inside = await cluster.network.netns.pids();
      const qemus = cluster.vms.map((v) => v.qemu!.process.pid!);
      const relay = cluster.network.relay.pid!;
      const apiserver = cluster.controlPlane!.component("kube-apiserver")!.pid!;
      for (const pid of [...qemus, relay, apiserver])
        assert.ok(inside.includes(pid), `pid ${pid} not in ${namespace}`);
      const workDir = cluster.network.workDir;
      await cluster.destroy();
      assert.ok(!(await listNamespaces()).includes(namespace));
      await new Promise((r) => setTimeout(r, 200));
      for (const pid of inside) {
        let alive = true;
        try {
          process.kill(pid, 0);
        } catch {
          alive = false;
        }
        assert.equal(alive, false, `pid ${pid} of ${namespace} still runs`);
      }
      assert.doesNotMatch(execFileSync("ip", ["-o", "link"], { encoding: "utf8" }), /\btap\d+\b.*ba:00:0/);
      assert.throws(() => execFileSync("ls", [workDir], { stdio: "ignore" }));
    }),
  );
});
