import type { UpgradeService } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { DaemonContext } from "../daemon-context.ts";
import { AsyncQueue } from "../events/async-queue.ts";
import { planRollback } from "../update/rollback.ts";
import { readSlotEntries } from "../update/slot-entries.ts";
import { bootedBlessed, slotStatuses } from "../update/slot-status.ts";
import type { UpgradeProgress } from "../update/update-ports.ts";
import type { UpdateSystem } from "../update/update-system.ts";
import { installBundle } from "../update/upgrade-engine.ts";

/** Upgrade, Rollback and UpgradeStatus. One upgrade at a time; a second is refused with the one running. */
export function upgradeService(ctx: DaemonContext): ServiceImpl<typeof UpgradeService> {
  let inProgress: string | undefined;

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
    source: () => AsyncIterable<Uint8Array>,
    options: { force: boolean; stage: boolean },
    what: string,
  ) {
    const update = system();
    if (inProgress)
      throw new BasaltError("failed_precondition", `an upgrade is already in progress: ${inProgress}`);
    inProgress = `${what} (started ${new Date().toISOString()})`;
    const queue = new AsyncQueue<UpgradeProgress & { version?: string; slot?: string }>();
    const install = installBundle(
      {
        esp: update.esp,
        slots: update.slots,
        bootedSlot: update.booted.slot,
        installed: update.booted,
        trustedKeys: ctx.config.update.trustedKeys,
      },
      source(),
      { force: options.force },
      (p) => queue.push(p),
    ).then(
      async (r) => {
        if (r.demoted.length) {
          const state = await update.state.load();
          state.rolledBackFrom = [...new Set([...state.rolledBackFrom, ...r.demoted])];
          await update.state.save(state);
        }
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
        ctx.events.publish("upgrade", what, `upgrade failed: ${(err as Error).message}`);
        queue.end(err);
      },
    );
    try {
      for await (const p of queue) yield { progress: { ...p, version: p.version ?? "", slot: p.slot ?? "" } };
      await install;
    } finally {
      inProgress = undefined;
    }
  }

  return {
    async *upgrade(req) {
      if (!/^https?:\/\//.test(req.url)) {
        throw new BasaltError("invalid_argument", `"${req.url}" is not an http(s) URL`, {
          hint: "or stream a local file with basaltctl upgrade --image FILE",
        });
      }
      const options = { force: req.options?.force ?? false, stage: req.options?.stage ?? false };
      yield* run(() => download(req.url), options, req.url);
    },
    async *upgradeUpload(reqs) {
      const iterator = reqs[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.part.case !== "options") {
        throw new BasaltError("invalid_argument", "the first message of an upload must carry the options");
      }
      const o = first.value.part.value;
      async function* chunks() {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          if (next.value.part.case === "chunk") yield next.value.part.value;
        }
      }
      for await (const r of run(chunks, { force: o.force, stage: o.stage }, "uploaded bundle")) yield r;
    },
    async rollback(req) {
      const update = system();
      if (inProgress)
        throw new BasaltError("failed_precondition", `an upgrade is in progress: ${inProgress}`);
      const plan = planRollback(await readSlotEntries(update.esp), update.booted);
      for (const r of plan.renames) await update.esp.rename(r.from, r.to);
      const state = await update.state.load();
      state.rolledBackFrom = [...new Set([...state.rolledBackFrom, update.booted.version])];
      await update.state.save(state);
      ctx.events.publish("upgrade", plan.version, `rollback: ${plan.reason}`);
      if (!req.stage) setTimeout(() => void ctx.power("reboot"), 500);
      return {
        message: req.stage ? `${plan.reason} (at the next reboot)` : `${plan.reason}; rebooting`,
        version: plan.version,
        slot: plan.slot,
      };
    },
    async upgradeStatus() {
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

async function* download(url: string): AsyncGenerator<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new BasaltError(
      "unavailable",
      `cannot fetch ${url}: ${(err as Error).cause ?? (err as Error).message}`,
    );
  }
  if (!res.ok || !res.body)
    throw new BasaltError("unavailable", `fetching ${url} answered HTTP ${res.status}`);
  for await (const chunk of res.body) yield chunk;
}
