/**
 * basaltd's memory under use, against its yardstick in the same run: a bare Node HTTP/2 TLS server
 * (mTLS, TLS 1.3, the same certificates) that answers every request with a few bytes. Each is called
 * as a client would, one `Version` per new TLS connection, and its RSS read from /proc at idle, after
 * every SOAK_STEP calls up to SOAK_CALLS, and after 10 s of idle (and the server's CPU per call): basaltd as it ships (with
 * basaltdNodeFlags), basaltd with Node's defaults, the bare server. `BENCH_NODE_OPTIONS` /
 * `BENCH_ENV` (k=v,k=v) add flags or environment to all of them, to compare settings in one run;
 * `BENCH_FLAG_SETS` ("--a --b;--c") adds a basaltd row per set of node flags (a candidate for basaltdNodeFlags).
 * Usage: node bench/basaltd-memory.bench.ts   (SOAK_CALLS=1000 SOAK_STEP=250 by default)
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { parse } from "yaml";
import { basaltdNodeFlags } from "../apps/basalt-imager/src/phases/runtime.ts";
import { freePort, LocalFleet } from "../test/support/local-fleet.ts";
import { cpuSeconds, rssMb } from "./process-usage.ts";
import { printTable } from "./stats.ts";

const calls = Number(process.env.SOAK_CALLS ?? 1000);
const step = Number(process.env.SOAK_STEP ?? 250);
const concurrency = 4;
const extraEnv = Object.fromEntries(
  (process.env.BENCH_ENV ?? "")
    .split(",")
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
);
const nodeOptions = process.env.BENCH_NODE_OPTIONS ?? "";
const flagSets = (process.env.BENCH_FLAG_SETS ?? "")
  .split(";")
  .map((set) => set.split(/\s+/).filter(Boolean))
  .filter((set) => set.length > 0);
const serverEnv = { ...process.env, ...extraEnv, NODE_OPTIONS: nodeOptions };
// Addresses of this bench only (other suites use 127.0.0.x).
const daemonAddress = "127.0.41.2";
const bareAddress = "127.0.41.3";

/** One unary Connect call over its own new TLS connection. */
function callOnce(
  endpoint: string,
  tls: { ca: string; cert: string; key: string },
  path: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = connect(`https://${endpoint}`, {
      ...tls,
      servername: "localhost",
      checkServerIdentity: () => undefined,
    });
    session.on("error", reject);
    const req = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/json",
      "connect-protocol-version": "1",
    });
    req.on("response", (h) => {
      const status = Number(h[":status"]);
      req.resume();
      req.on("end", () => {
        session.close();
        status === 200 ? resolve() : reject(new Error(`${endpoint}${path}: HTTP ${status}`));
      });
    });
    req.on("error", reject);
    req.end("{}");
  });
}

async function soak(name: string, pid: number, call: () => Promise<void>): Promise<Record<string, string>> {
  await sleep(3000);
  const row: Record<string, string> = { SERVER: name, IDLE: `${rssMb(pid).toFixed(1)} MB` };
  let done = 0;
  const cpuBefore = cpuSeconds(pid);
  while (done < calls) {
    const batch = Math.min(step, calls - done);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < batch) {
          next++;
          await call();
        }
      }),
    );
    done += batch;
    row[`${done}`] = `${rssMb(pid).toFixed(1)} MB`;
  }
  row["CPU/CALL"] = `${(((cpuSeconds(pid) - cpuBefore) / calls) * 1000).toFixed(2)} ms`;
  await sleep(10_000);
  row["10 s LATER"] = `${rssMb(pid).toFixed(1)} MB`;
  return row;
}

/** Restarts the fleet's node with `flags` (LocalFleet spawns it with this process's environment). */
async function restartWith(fleet: LocalFleet, name: string, flags: readonly string[]): Promise<void> {
  await fleet.stopNode(name);
  const saved = { ...process.env };
  Object.assign(process.env, serverEnv);
  try {
    await fleet.startNode(name, flags);
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

const growth = (r: Record<string, string>) => Number.parseFloat(r[`${calls}`]!) - Number.parseFloat(r.IDLE!);
const fleet = await LocalFleet.start({ addresses: [daemonAddress] });
const rows: Record<string, string>[] = [];
try {
  const node = fleet.nodes[0]!;
  const admin = { ca: fleet.ids.ca.cert, cert: fleet.ids.admin.cert, key: fleet.ids.admin.key };
  const version = () => callOnce(node.endpoint, admin, "/basalt.machine.v1.NodeService/Version");
  // basaltd as it ships (bin/basaltd and the image run node with basaltdNodeFlags), then with
  // Node's defaults: the lever's before/after in one run.
  await restartWith(fleet, node.name, basaltdNodeFlags);
  rows.push(await soak(`basaltd (${basaltdNodeFlags.join(" ")})`, node.process!.pid!, version));
  await restartWith(fleet, node.name, []);
  rows.push(await soak(`basaltd (${nodeOptions || "Node defaults"})`, node.process!.pid!, version));
  for (const flags of flagSets) {
    await restartWith(fleet, node.name, flags);
    rows.push(await soak(`basaltd (${flags.join(" ")})`, node.process!.pid!, version));
  }

  const port = await freePort(bareAddress);
  const code = `const h=require("node:http2");const s=h.createSecureServer({cert:process.env.C,key:process.env.K,ca:process.env.A,requestCert:true,rejectUnauthorized:true,minVersion:"TLSv1.3",allowHTTP1:true},(q,r)=>{q.resume();q.on("end",()=>r.end("{}"))});s.listen(${port},"${bareAddress}",()=>console.log("up"))`;
  const { api } = parse(readFileSync(node.configPath, "utf8")) as { api: { cert: string; key: string } };
  const bare = spawn(process.execPath, ["-e", code], {
    env: { ...serverEnv, C: api.cert, K: api.key, A: fleet.ids.ca.cert },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await new Promise((r) => bare.stdout.once("data", r));
    rows.push(
      await soak(`bare Node HTTP/2 mTLS server (${nodeOptions || "Node defaults"})`, bare.pid!, () =>
        callOnce(`${bareAddress}:${port}`, admin, "/"),
      ),
    );
  } finally {
    bare.kill();
  }
} finally {
  await fleet.stop();
}
printTable(
  `RSS by calls, each a new TLS connection (${concurrency} at a time)${process.env.BENCH_ENV ? `, ${process.env.BENCH_ENV}` : ""}`,
  rows.map((r) => ({ ...r, GROWTH: `+${growth(r).toFixed(1)} MB` })),
);
const [withFlags, defaults] = rows;
const bareRow = rows.at(-1);
if (withFlags && defaults && bareRow) {
  const mb = (r: Record<string, string>, k: string) => Number.parseFloat(r[k]!);
  console.log(
    `idle: basaltd ${(mb(withFlags, "IDLE") / mb(bareRow, "IDLE")).toFixed(2)}× the bare server; growth after ${calls} connections: basaltd as shipped +${growth(withFlags).toFixed(1)} MB, with Node's defaults +${growth(defaults).toFixed(1)} MB (${(growth(withFlags) / growth(defaults)).toFixed(2)}×), bare server +${growth(bareRow).toFixed(1)} MB`,
  );
}
