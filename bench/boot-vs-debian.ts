/**
 * Basalt's boot against a general-purpose distro's, in one run on this machine: qemu start → the
 * first answered Version call (the RPC of `basaltctl version`, mTLS) for Basalt (base image),
 * qemu start → the SSH banner on the forwarded port for Debian 12 + systemd + openssh-server (bench/debian-yardstick.ts). Both under
 * the same qemu command line (@basalt/provision: TCG, q35, OVMF, 1 vCPU, 1.5 GiB, virtio), each
 * "first boot" on a fresh disk copy and fresh OVMF variables, each "later boot" the same disk and
 * variables booted again after the first was stopped (qemu killed: an unclean stop for both).
 * Prints the medians of N side by side as ratios (never asserted anywhere) and Basalt's boot
 * timeline from console arrival times.
 * `--without compile-cache` also boots the same image built without that lever, in the same run
 * (before/after of a lever, reported as a ratio too).
 * Usage: node bench/boot-vs-debian.ts [--runs 3] [--only basalt|debian] [--without compile-cache]
 *   (root; needs npm run build, `scripts/setup.sh --all` and debootstrap; run it under heavy.sh)
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { parseArgs } from "node:util";
import { NodeService } from "@basalt/api";
import { buildImage, defaultCacheDir } from "@basalt/basalt-imager";
import type { TlsMaterial } from "@basalt/client";
import { parseClientConfig, selectContext } from "@basalt/machinery";
import { startQemu, type Vm } from "@basalt/provision";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { cachedImage, imageInputHash } from "../test/e2e/support/cached-image.ts";
import { freePort } from "../test/e2e/support/qemu-vm.ts";
import { guestApiPort, makeConfigDrive, makeVmConfig } from "../test/e2e/support/vm-config.ts";
import {
  basaltMarks,
  debianMarks,
  type StampedLine,
  stampLines,
  timeline,
  timelineRows,
} from "./console-timeline.ts";
import { debianYardstick } from "./debian-yardstick.ts";
import { median, printTable } from "./stats.ts";

const { values } = parseArgs({
  options: { runs: { type: "string" }, only: { type: "string" }, without: { type: "string" } },
});
if (values.without !== undefined && values.without !== "compile-cache")
  throw new Error(`--without ${values.without}: the levers that can be left out are: compile-cache`);
const runs = Number(values.runs ?? 3);
const deadlineMs = 300_000;
const work = mkdtempSync(join(tmpdir(), "basalt-bench-boot-"));
const log = (l: string) => console.error(`boot-vs-debian: ${l}`);

/** Resolves when 127.0.0.1:`port` sends an SSH identification line (slirp accepts before the guest listens). */
function sshBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    let got = "";
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 2000);
    s.on("data", (b) => {
      got += b.toString("latin1");
      if (/^SSH-2\.0-/m.test(got)) done(true);
    });
    s.on("error", () => done(false));
    s.on("close", () => done(false));
  });
}

/**
 * Milliseconds from `started` to the first probe that succeeds. A probe starts every `everyMs`
 * while fewer than `inFlight` are pending: slirp accepts a forwarded connection before the guest
 * listens, so a probe sent while the guest boots hangs until its own timeout, and one probe at a
 * time measured those timeouts (every Basalt boot read 13.6 s: a multiple of a 3 s timeout). The
 * cap keeps the guest from a pile of half-open connections (Debian's sshd refuses beyond
 * MaxStartups, and a boot then never showed its banner).
 */
function until(
  what: string,
  started: number,
  probe: () => Promise<boolean>,
  o: { everyMs: number; inFlight: number } = { everyMs: 100, inFlight: 4 },
): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let pending = 0;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      f();
    };
    const timer = setInterval(() => {
      if (performance.now() - started > deadlineMs)
        return finish(() => reject(new Error(`${what} not within ${deadlineMs / 1000} s`)));
      if (pending >= o.inFlight) return;
      pending++;
      void probe()
        .then(
          (ok) => ok && finish(() => resolve(performance.now() - started)),
          () => {},
        )
        .finally(() => pending--);
    }, o.everyMs);
  });
}

interface Boot {
  ms: number;
  lines: StampedLine[];
}

async function boot(
  name: string,
  o: {
    disk: string;
    vars: string;
    fresh: boolean;
    port: number;
    guestPort: number;
    configDrive?: string;
    /** Keep the VM running this long after it is ready (writeback of what a first boot wrote). */
    settleMs?: number;
  },
  ready: () => Promise<boolean>,
): Promise<Boot> {
  const started = performance.now();
  const vm: Vm = startQemu({
    disk: { path: o.disk, format: "raw" },
    vars: o.vars,
    freshVars: o.fresh,
    configDrive: o.configDrive,
    // restrict: a general-purpose Debian reaches out by itself (NTP, apt timers); nothing may leave.
    nic: { kind: "user", hostPort: o.port, guestPort: o.guestPort, restrict: true },
    consoleLog: join(work, `${name}.log`),
  });
  const lines = stampLines(started, vm.process.stdout, vm.process.stderr);
  try {
    const ms = await until(name, started, ready);
    if (o.settleMs) await new Promise((r) => setTimeout(r, o.settleMs));
    return { ms, lines };
  } finally {
    await vm.stop(2000);
  }
}

/**
 * One Version call (the RPC `basaltctl version` makes: gRPC over HTTP/2, mTLS) to the forwarded
 * port; true when it answered within 5 s. In-process rather than a basaltctl per try: tries overlap
 * (see `until`), and a Node process per 100 ms would take the host CPU the guest runs on. The CLI's
 * own start-up is bench/cli.bench.ts's subject.
 * A try whose TLS handshake has not moved for 1 s (no ServerHello: slirp accepted the connection
 * while the guest had no network yet, and nothing will ever answer it) is given up at once, so it
 * does not hold one of `until`'s slots after the API listens; the first handshake of a fresh basaltd
 * sends its ServerHello well within that (the whole first call takes 0.76–0.91 s).
 */
function versionAnswers(port: number, tls: TlsMaterial): Promise<boolean> {
  let socket: TLSSocket | undefined;
  let moved = false;
  const transport = createGrpcTransport({
    baseUrl: `https://127.0.0.1:${port}`,
    nodeOptions: {
      createConnection: () => {
        socket = tlsConnect({
          host: "127.0.0.1",
          port,
          ...tls,
          minVersion: "TLSv1.3",
          ALPNProtocols: ["h2"],
        });
        // The client derives its handshake keys from the ServerHello: the server is there.
        socket.once("keylog", () => {
          moved = true;
        });
        return socket;
      },
    },
    defaultTimeoutMs: 5000,
    idleConnectionTimeoutMs: 1000,
  });
  const stalled = setTimeout(() => moved || socket?.destroy(), 1000);
  return createClient(NodeService, transport)
    .version({})
    .then(
      (v) => v.basaltVersion !== "",
      () => false,
    )
    .finally(() => clearTimeout(stalled));
}

const sparseCopy = (from: string, to: string) => execFileSync("cp", ["--sparse=always", from, to]);

/** The base image built with one lever off, cached beside the others under the same inputs. */
async function imageWithout(lever: "compile-cache"): Promise<string> {
  const dir = join(defaultCacheDir(), "images", `${imageInputHash("base")}-no-${lever}`);
  if (existsSync(join(dir, "manifest.json"))) return dir;
  await buildImage({
    profilePath: join(import.meta.dirname, "../apps/basalt-imager/profiles/base.yaml"),
    outDir: dir,
    repoRoot: join(import.meta.dirname, ".."),
    log,
    overrides: { compileCache: false },
  });
  return dir;
}

interface Runs {
  first: Boot[];
  later: Boot[];
}

/** Run `i` of a Basalt image: a first boot on a fresh copy, then a later boot of the same disk. */
async function basaltRun(image: string, tag: string, i: number, into: Runs): Promise<void> {
  const port = await freePort();
  const cfg = makeVmConfig(join(work, `pki-${tag}-${i}`), port);
  const drive = join(work, `config-${tag}-${i}.img`);
  makeConfigDrive(cfg.machineConfig, drive);
  const disk = join(work, "basalt.raw");
  sparseCopy(join(image, "disk.raw"), disk);
  // Asynchronous, each try bounded: a blocking probe would stall the console's timestamps.
  const { context } = selectContext(
    parseClientConfig(readFileSync(cfg.clientConfig, "utf8"), cfg.clientConfig),
  );
  const ready = () => versionAnswers(port, context);
  const o = { disk, vars: join(work, "basalt-vars.fd"), port, guestPort: guestApiPort, configDrive: drive };
  into.first.push(await boot(`${tag}-first-${i}`, { ...o, fresh: true }, ready));
  into.later.push(await boot(`${tag}-later-${i}`, { ...o, fresh: false }, ready));
  log(
    `${tag} run ${i + 1}: first ${(into.first[i]!.ms / 1000).toFixed(1)} s, later ${(into.later[i]!.ms / 1000).toFixed(1)} s`,
  );
}

/** Run `i` of the Debian yardstick, likewise. */
async function debianRun(dir: string, i: number, into: Runs): Promise<void> {
  const port = await freePort();
  const disk = join(work, "debian.raw");
  sparseCopy(join(dir, "disk.raw"), disk);
  const o = { disk, vars: join(work, "debian-vars.fd"), port, guestPort: 22 };
  // qemu is killed, not shut down (it has no monitor here): give Debian's first boot time to write
  // back what it changed (machine-id, journal, …) so the later boot is not a first boot again.
  // basaltd writes what it keeps durably (fsync + rename) and needs no such wait.
  into.first.push(
    await boot(`debian-first-${i}`, { ...o, fresh: true, settleMs: 35_000 }, () => sshBanner(port)),
  );
  into.later.push(await boot(`debian-later-${i}`, { ...o, fresh: false }, () => sshBanner(port)));
  log(
    `debian run ${i + 1}: first ${(into.first[i]!.ms / 1000).toFixed(1)} s, later ${(into.later[i]!.ms / 1000).toFixed(1)} s`,
  );
}

const basalt: Runs = { first: [], later: [] };
const debian: Runs = { first: [], later: [] };
const without: Runs | undefined =
  values.without && values.only !== "debian" ? { first: [], later: [] } : undefined;
const basaltImage = values.only === "debian" ? undefined : (await cachedImage(log)).dir;
const withoutImage = without ? await imageWithout("compile-cache") : undefined;
const debianDir = values.only === "basalt" ? undefined : debianYardstick(log);
// Interleaved, so that load from elsewhere on the machine falls on every column alike.
for (let i = 0; i < runs; i++) {
  if (basaltImage) await basaltRun(basaltImage, "basalt", i, basalt);
  if (withoutImage && without) await basaltRun(withoutImage, `basalt-without-${values.without}`, i, without);
  if (debianDir) await debianRun(debianDir, i, debian);
}

const sec = (b: Boot[]) => (b.length ? median(b.map((x) => x.ms)) / 1000 : Number.NaN);
const all = (b: Boot[]) => b.map((x) => (x.ms / 1000).toFixed(1)).join(", ");
const ratio = (a: number, d: number) => (Number.isFinite(a / d) ? `${(a / d).toFixed(2)}×` : "-");
printTable(
  `boot under qemu TCG, OVMF, 1 vCPU, 1.5 GiB — median of ${runs} (each run's figure in brackets)`,
  (["first", "later"] as const).map((k) => ({
    BOOT: k === "first" ? "first boot" : "later boots",
    "DEBIAN 12 → SSH BANNER": `${sec(debian[k]).toFixed(1)} s [${all(debian[k])}]`,
    "BASALT → VERSION ANSWERED": `${sec(basalt[k]).toFixed(1)} s [${all(basalt[k])}]`,
    "BASALT / DEBIAN": ratio(sec(basalt[k]), sec(debian[k])),
    ...(without
      ? {
          [`BASALT WITHOUT ${values.without}`]: `${sec(without[k]).toFixed(1)} s [${all(without[k])}]`,
          "WITH / WITHOUT": ratio(sec(basalt[k]), sec(without[k])),
        }
      : {}),
  })),
);

/** The run whose total is the median's (the timeline of a typical boot). */
function typical(b: Boot[]): Boot | undefined {
  const m = median(b.map((x) => x.ms));
  return [...b].sort((x, y) => Math.abs(x.ms - m) - Math.abs(y.ms - m))[0];
}
for (const k of ["first", "later"] as const) {
  const b = typical(basalt[k]);
  if (b)
    printTable(
      `Basalt boot timeline, ${k} boot (console arrival, s since qemu start)`,
      timelineRows(timeline(b.lines, basaltMarks), { name: "Version answered", ms: b.ms }),
    );
  const w = without && typical(without[k]);
  if (w)
    printTable(
      `Basalt without ${values.without}: boot timeline, ${k} boot`,
      timelineRows(timeline(w.lines, basaltMarks), { name: "Version answered", ms: w.ms }),
    );
  const d = typical(debian[k]);
  if (d)
    printTable(
      `Debian boot timeline, ${k} boot`,
      timelineRows(timeline(d.lines, debianMarks), { name: "SSH banner", ms: d.ms }),
    );
}
rmSync(work, { recursive: true, force: true });
