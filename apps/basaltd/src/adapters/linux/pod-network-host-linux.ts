import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeEndpoint } from "@basalt/kube";
import { BasaltError, type KubernetesConfig } from "@basalt/machinery";
import { splitCertAndKey } from "../../kubernetes/node-watch.ts";
import type { PodNetworkHost } from "../../kubernetes/pod-network-ports.ts";
import type { KeptRoute } from "../../kubernetes/pod-routes.ts";
import { ackErrno } from "../../network/rtnetlink.ts";
import {
  mainTable,
  parseRouteDump,
  type RouteWrite,
  routeDumpRequest,
  routeRequest,
} from "../../network/rtnetlink-routes.ts";
import { syscalls } from "./syscalls.ts";

let seq = 0x50d00000;

const errnoMeaning: Record<number, string> = {
  3: "no such route",
  17: "a route to this destination is already there and it is not basaltd's: left alone",
  101: "the gateway is not reachable on any link (network unreachable)",
  113: "no route to the gateway",
  22: "the kernel refused the request (invalid argument)",
};

async function routeWrite(write: RouteWrite, dst: string, via: string, protocol: number): Promise<void> {
  const sock = (await syscalls()).netlinkRoute();
  try {
    const s = seq++;
    sock.send(routeRequest(write, s, dst, via, protocol));
    // The kernel answers a route request at once; a bound on the reads keeps a stray answer from looping.
    for (let i = 0; i < 16; i++) {
      const errno = ackErrno(sock.receive(), s);
      if (errno === undefined) continue;
      if (errno === 0 || (write === "delete" && errno === 3)) return;
      throw new BasaltError(
        errno === 17 ? "already_exists" : "internal",
        `${write} route ${dst} via ${via}: ${errnoMeaning[errno] ?? `netlink errno ${errno}`}`,
      );
    }
    throw new BasaltError("internal", `${write} route ${dst}: no netlink acknowledgement`);
  } finally {
    sock.close();
  }
}

/**
 * Routes through rtnetlink (basaltd's routes carry `protocol`, so a dump tells them from everyone
 * else's, and a delete names the protocol so the kernel never removes another's), and the pod
 * masquerade table through `nft -f -` (one transaction).
 */
export function linuxPodNetworkHost(protocol: number, nftBin = "/usr/sbin/nft"): PodNetworkHost {
  return {
    async keptRoutes() {
      const sock = (await syscalls()).netlinkRoute();
      try {
        const s = seq++;
        sock.send(routeDumpRequest(s));
        const kept: KeptRoute[] = [];
        // A dump arrives in several buffers; a main table of a few thousand routes needs a few dozen.
        for (let i = 0; i < 4096; i++) {
          const chunk = parseRouteDump(sock.receive(), s);
          for (const r of chunk.routes)
            if (r.protocol === protocol && r.table === mainTable) kept.push({ dst: r.dst, via: r.via });
          if (chunk.errno) throw new BasaltError("internal", `route dump: netlink errno ${chunk.errno}`);
          if (chunk.done) return kept;
        }
        throw new BasaltError("internal", "route dump did not end");
      } finally {
        sock.close();
      }
    },
    addRoute: (r) => routeWrite("add", r.dst, r.via, protocol),
    replaceRoute: (r) => routeWrite("replace", r.dst, r.via, protocol),
    removeRoute: (r) => routeWrite("delete", r.dst, r.via, protocol),
    setMasquerade: (script) =>
      new Promise<void>((resolve, reject) => {
        const child = execFile(nftBin, ["-f", "-"], { timeout: 10_000 }, (err, _out, stderr) => {
          if (!err) return resolve();
          reject(new BasaltError("internal", `nft: ${(stderr || err.message).trim().slice(0, 400)}`));
        });
        child.stdin?.end(script);
      }),
    sleep: (ms, signal) => sleep(ms, undefined, { signal }),
  };
}

/**
 * The apiserver as this node sees it: the endpoint and CA of the machine config, and the client
 * certificate kubelet rotates (read anew each time, so a rotated certificate is picked up).
 */
export async function nodeKubeEndpoint(k8s: KubernetesConfig, clientPem: string): Promise<KubeEndpoint> {
  const pem = await readFile(clientPem, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new BasaltError(
      err.code === "ENOENT" ? "not_found" : "internal",
      `${clientPem}: ${err.code === "ENOENT" ? "not there yet (kubelet's TLS bootstrap)" : err.message}`,
    );
  });
  const pair = splitCertAndKey(pem);
  if (!pair) throw new BasaltError("failed_precondition", `${clientPem} holds no certificate and key`);
  return { server: k8s.endpoint.replace(/\/$/, ""), ca: k8s.ca, ...pair };
}
