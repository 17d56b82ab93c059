import { createReadStream, existsSync } from "node:fs";
import {
  RollbackResponseSchema,
  UpgradeResponseSchema,
  UpgradeService,
  UpgradeStatusResponseSchema,
  UpgradeUploadResponseSchema,
} from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import type { Invocation, RunCommand } from "../../cli/command.ts";
import { time } from "../../output/format.ts";
import { nodeCall } from "./node-call.ts";

// Each chunk must stay under the node's 1 MiB request limit once framed.
const uploadChunk = 512 * 1024;

const manyNodes = (targets: readonly unknown[]) =>
  targets.length > 1
    ? `note: upgrading ${targets.length} nodes at once, each rebooting when done. Rolling a cluster without taking down more than it can spare is the upgrade controller's job (UpgradePlan).`
    : undefined;

function image(inv: Invocation): string {
  const v = inv.values.image as string | undefined;
  if (!v)
    throw new BasaltError("invalid_argument", "--image is required", {
      hint: "an http(s) URL the node can fetch, or a local bundle file",
    });
  return v;
}

const isUrl = (v: string) => /^https?:\/\//.test(v);
const upgradeOptions = (inv: Invocation) => ({
  force: inv.values.force === true,
  stage: inv.values.stage === true,
});
const progressRow = (p: { phase: string; percent: number; message: string } | undefined) =>
  p ? [{ PHASE: p.phase, PERCENT: p.percent, MESSAGE: p.message }] : [];

/** `upgrade --image URL` asks the nodes to fetch; `--image FILE` streams the bundle to each node. */
const byUrl = nodeCall({
  service: UpgradeService,
  method: "upgrade",
  output: UpgradeResponseSchema,
  mutating: true,
  streaming: true,
  longRunning: true,
  notice: manyNodes,
  request: (inv) => ({ url: image(inv), options: upgradeOptions(inv) }),
  rows: (v) => progressRow(v.progress),
  progress: (v) =>
    v.progress && { percent: v.progress.percent, label: `${v.progress.phase}: ${v.progress.message}` },
});

const byUpload = nodeCall({
  service: UpgradeService,
  method: "upgradeUpload",
  output: UpgradeUploadResponseSchema,
  mutating: true,
  streaming: true,
  longRunning: true,
  notice: manyNodes,
  input: async function* (inv) {
    const file = image(inv);
    yield { part: { case: "options", value: upgradeOptions(inv) } };
    for await (const chunk of createReadStream(file, { highWaterMark: uploadChunk })) {
      yield { part: { case: "chunk", value: chunk as Buffer } };
    }
  },
  rows: (v) => progressRow(v.progress),
  progress: (v) =>
    v.progress && { percent: v.progress.percent, label: `${v.progress.phase}: ${v.progress.message}` },
});

export const upgrade: RunCommand = async (inv, command) => {
  const v = image(inv);
  if (isUrl(v)) return byUrl(inv, command);
  if (!existsSync(v))
    throw new BasaltError("not_found", `no bundle file at ${v}`, {
      hint: "pass a file path or an http(s) URL",
    });
  return byUpload(inv, command);
};

export const upgradeStatus = nodeCall({
  service: UpgradeService,
  method: "upgradeStatus",
  output: UpgradeStatusResponseSchema,
  rows: (v) => [
    ...v.slots.map((s) => ({
      SLOT: s.slot + (s.slot === v.bootedSlot ? "*" : ""),
      VERSION: s.version || "-",
      STATE: s.state + (s.state === "booted" && !v.blessed ? " (not yet blessed)" : ""),
      TRIES:
        s.entry && s.state !== "fallback" && s.state !== "booted"
          ? `${s.triesLeft} left, ${s.triesDone} used`
          : "-",
      NOTE: v.inProgress ? `upgrading: ${v.inProgress}` : "",
    })),
    ...v.failedAttempts.map((f) => ({
      SLOT: "-",
      VERSION: f.version,
      STATE: "failed",
      TRIES: `${f.tries} used`,
      NOTE: `${f.reason} (${time(f.detected)})`,
    })),
  ],
});

export const rollback = nodeCall({
  service: UpgradeService,
  method: "rollback",
  output: RollbackResponseSchema,
  mutating: true,
  request: (inv) => ({ stage: inv.values.stage === true }),
  rows: (v) => [{ VERSION: v.version, SLOT: v.slot, RESULT: v.message }],
});
