import type { UpgradeService } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { callerMaySeeSecrets } from "../api/caller.ts";
import type { DaemonContext } from "../daemon-context.ts";
import { AsyncQueue } from "../events/async-queue.ts";
import { redactUrl, redactUrlsIn } from "../redact.ts";
import { bundleSizeLimit, downloadBundle } from "../update/bundle-download.ts";
import { planRollback } from "../update/rollback.ts";
import { readSlotEntries } from "../update/slot-entries.ts";
import { bootedBlessed, slotStatuses } from "../update/slot-status.ts";
import type { UpgradeProgress } from "../update/update-ports.ts";
import type { UpdateSystem } from "../update/update-system.ts";
import { installBundle } from "../update/upgrade-engine.ts";
import { updateUpgradeState, withRolledBackFrom, withSecurityFloor } from "../update/upgrade-state.ts";

interface RunningUpgrade {
  what: string;
  whatForReaders: string;
  started: string;
  controller: AbortController;
}

/**
 * Upgrade, Rollback and UpgradeStatus. One upgrade at a time: the lock is held for as long as the
 * install runs, not as long as the client's stream. A client that goes away aborts the install
 * (through the download and the slot write), and the next upgrade is refused until that one has
 * really stopped.
 */
export function upgradeService(ctx: DaemonContext): ServiceImpl<typeof UpgradeService> {
  let running: RunningUpgrade | undefined;
  const describe = (r: RunningUpgrade, privileged: boolean) =>
    `${privileged ? r.what : r.whatForReaders} (started ${r.started})`;

  const system = (): UpdateSystem => {
    if (!ctx.update) {
      throw new BasaltError(
        "failed_precondition",
        "this node has no A/B slots: basaltd runs in agent mode on a general-purpose OS",
        {
          hint: "upgrade the OS with its own tools; the upgrade controller can coordinate its reboots",
        },
      );
    }
    return ctx.update;
  };

  /** Runs one install, streaming its progress; reboots afterwards unless staged. */
  async function* run(
    source: (signal: AbortSignal, maxBytes: () => number) => AsyncIterable<Uint8Array>,
    options: { force: boolean; stage: boolean },
    what: { full: string; forReaders: string },
    call: HandlerContext,
  ) {
    const update = system();
    if (running)
      throw new BasaltError(
        "failed_precondition",
        `an upgrade is already in progress: ${describe(running, callerMaySeeSecrets(call))}`,
        { hint: "wait for it to finish or fail (basaltctl upgrade status)" },
      );
    const controller = new AbortController();
    const me: RunningUpgrade = {
      what: what.full,
      whatForReaders: what.forReaders,
      started: new Date().toISOString(),
      controller,
    };
    running = me;
    // Before the manifest is trusted only it and its signature may arrive; then what it announces.
    let maxBytes = bundleSizeLimit([]);
    const queue = new AsyncQueue<UpgradeProgress & { version?: string; slot?: string }>();
    const install = (async () => {
      const state = await update.state.load();
      const r = await installBundle(
        {
          esp: update.esp,
          slots: update.slots,
          bootedSlot: update.booted.slot,
          installed: update.booted,
          trustedKeys: ctx.config.update.trustedKeys,
          securityFloor: state.securityFloor,
          signal: controller.signal,
          onManifest: (m) => {
            maxBytes = bundleSizeLimit([m.uki.A.size, m.uki.B.size, m.root.size]);
          },
        },
        source(controller.signal, () => maxBytes),
        { force: options.force },
        (p) => queue.push(p),
      );
      await updateUpgradeState(update.state, (s) =>
        withSecurityFloor(withRolledBackFrom(s, r.demoted), r.securityFloor),
      );
      return r;
    })().then(
      (r) => {
        ctx.events.publish("upgrade", r.version, `installed ${r.entry} into slot ${r.slot}`);
        queue.push({
          phase: options.stage ? "staged" : "rebooting",
          percent: 100,
          message: options.stage ? `${r.version} boots at the next reboot` : `rebooting into ${r.version}`,
          version: r.version,
          slot: r.slot,
        });
        queue.end();
        if (!options.stage) setTimeout(() => void ctx.power("reboot"), 500);
      },
      (err: unknown) => {
        const message = `upgrade failed: ${(err as Error).message}`;
        ctx.events.publish("upgrade", what.forReaders, message, {
          forReaders: redactUrlsIn(message.replaceAll(what.full, what.forReaders)),
        });
        queue.end(err);
      },
    );
    // The lock goes with the install, whatever happens to this stream.
    void install.finally(() => {
      controller.abort();
      if (running === me) running = undefined;
    });
    const onGone = () => controller.abort();
    call.signal.addEventListener("abort", onGone, { once: true });
    try {
      for await (const p of queue) yield { progress: { ...p, version: p.version ?? "", slot: p.slot ?? "" } };
      await install;
    } finally {
      call.signal.removeEventListener("abort", onGone);
      // The stream ended before the install did (the client went away): abort it.
      controller.abort();
    }
  }

  return {
    async *upgrade(req, call) {
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        url = new URL("invalid:");
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new BasaltError("invalid_argument", `"${redactUrl(req.url)}" is not an http(s) URL`, {
          hint: "or stream a local file with basaltctl upgrade --image FILE",
        });
      }
      const options = { force: req.options?.force ?? false, stage: req.options?.stage ?? false };
      yield* run(
        (signal, maxBytes) => downloadBundle(req.url, { signal, maxBytes }),
        options,
        { full: req.url, forReaders: redactUrl(req.url) },
        call,
      );
    },
    async *upgradeUpload(reqs, call) {
      const iterator = reqs[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.part.case !== "options") {
        throw new BasaltError("invalid_argument", "the first message of an upload must carry the options");
      }
      const o = first.value.part.value;
      async function* chunks(signal: AbortSignal, maxBytes: () => number) {
        let total = 0;
        for (let next = await iterator.next(); !next.done && !signal.aborted; next = await iterator.next()) {
          if (next.value.part.case !== "chunk") continue;
          total += next.value.part.value.length;
          if (total > maxBytes())
            throw new BasaltError(
              "resource_exhausted",
              "the upload is larger than its signed manifest announces",
            );
          yield next.value.part.value;
        }
      }
      const what = { full: "uploaded bundle", forReaders: "uploaded bundle" };
      for await (const r of run(chunks, { force: o.force, stage: o.stage }, what, call)) yield r;
    },
    async rollback(req) {
      const update = system();
      if (running)
        throw new BasaltError("failed_precondition", `an upgrade is in progress: ${describe(running, true)}`);
      const plan = planRollback(await readSlotEntries(update.esp), update.booted);
      // Read the state first: an unreadable file stops the rollback before any entry is renamed.
      await update.state.load();
      for (const r of plan.renames) await update.esp.rename(r.from, r.to);
      await updateUpgradeState(update.state, (s) => withRolledBackFrom(s, [update.booted.version]));
      ctx.events.publish("upgrade", plan.version, `rollback: ${plan.reason}`);
      if (!req.stage) setTimeout(() => void ctx.power("reboot"), 500);
      return {
        message: req.stage ? `${plan.reason} (at the next reboot)` : `${plan.reason}; rebooting`,
        version: plan.version,
        slot: plan.slot,
      };
    },
    async upgradeStatus(_req, call) {
      const inProgress = running ? describe(running, callerMaySeeSecrets(call)) : undefined;
      if (!ctx.update)
        return {
          bootedSlot: "",
          bootedVersion: "",
          blessed: false,
          slots: [],
          failedAttempts: [],
          inProgress: inProgress ?? "",
        };
      const update = ctx.update;
      const entries = await readSlotEntries(update.esp);
      const state = await update.state.load();
      return {
        bootedSlot: update.booted.slot,
        bootedVersion: update.booted.version,
        blessed: bootedBlessed(entries, update.booted),
        slots: slotStatuses(entries, update.booted),
        failedAttempts: state.failedAttempts.map((f) => ({
          ...f,
          detected: timestampFromDate(new Date(f.detected)),
        })),
        inProgress: inProgress ?? "",
      };
    },
  };
}
