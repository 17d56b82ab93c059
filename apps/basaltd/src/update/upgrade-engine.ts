import { createHash } from "node:crypto";
import {
  BasaltError,
  type BundleManifest,
  checkManifestSignature,
  compareVersions,
  readBundle,
} from "@basalt/machinery";
import { exhaustedName, freshEntryName, type Slot, stagingName } from "./boot-entries.ts";
import { checkCompatibility, type Installed } from "./compatibility.ts";
import { slotOfCommandLine, ukiCommandLine } from "./pe-cmdline.ts";
import { otherSlot, readSlotEntries } from "./slot-entries.ts";
import type { Esp, SlotDevices, UpgradeProgress } from "./update-ports.ts";

export interface UpgradeEnv {
  esp: Esp;
  slots: SlotDevices;
  bootedSlot: Slot;
  installed: Installed;
  trustedKeys: readonly string[];
  /** The node's security floor (upgrade-state.json): never installed below, even with force. */
  securityFloor?: string;
  /** Aborts the install between steps and inside the download and the slot write. */
  signal?: AbortSignal;
  /** Told the signed manifest once it is trusted (the download caps its size from it). */
  onManifest?(manifest: BundleManifest): void;
}

export interface UpgradeOptions {
  force: boolean;
}

export interface UpgradeResult {
  version: string;
  slot: Slot;
  entry: string;
  /**
   * Versions whose entries were set aside (exhausted counter) so that a forced downgrade or reinstall
   * boots next: systemd-boot would otherwise prefer the newer version. They stay as fallbacks.
   */
  demoted: string[];
  /** The floor the installed bundle carries, to be remembered by the node (0.0.0 when none). */
  securityFloor: string;
}

const maxUkiBytes = 256 * 1024 * 1024;

/**
 * Installs a bundle into the inactive slot, in the order that keeps the node bootable whenever the
 * power goes: verify the signed manifest (nothing is written before) → remove the inactive slot's
 * old UKI → stream the root image into the inactive slot while hashing → compare → write the new
 * UKI under a name systemd-boot ignores, fsync → rename it to `basalt-<ver>+3.efi` (the switch).
 * The caller reboots (or not, when staging).
 */
export async function installBundle(
  env: UpgradeEnv,
  source: AsyncIterable<Uint8Array>,
  options: UpgradeOptions,
  progress: (p: UpgradeProgress) => void,
): Promise<UpgradeResult> {
  const target = otherSlot(env.bootedSlot);
  let manifest: BundleManifest | undefined;
  let uki: Uint8Array | undefined;
  let oldEntriesRemoved = false;

  let signedBy = "";
  const verify = {
    signature(bytes: Uint8Array, signature: Uint8Array) {
      progress({ phase: "verifying", percent: 0, message: "checking the manifest's signature" });
      const sig = checkManifestSignature(bytes, signature, env.trustedKeys);
      if (!sig.trusted)
        throw new BasaltError("permission_denied", `bundle refused: ${sig.reason}`, {
          hint: "sign it with a release key listed in update.trustedKeys",
        });
      signedBy = sig.keyId;
    },
    manifest(m: BundleManifest) {
      const compat = checkCompatibility(m, env.installed, options.force, env.securityFloor);
      if (!compat.ok)
        throw new BasaltError("failed_precondition", `bundle refused: ${compat.reason}`, {
          hint: compat.hint,
        });
      manifest = m;
      env.onManifest?.(m);
      progress({ phase: "verifying", percent: 100, message: `${compat.reason}, signed by key ${signedBy}` });
    },
  };
  const checkAborted = () => {
    if (env.signal?.aborted)
      throw new BasaltError("canceled", "the upgrade was aborted: its client went away", {
        hint: "nothing boots from the half-written slot; run the upgrade again",
      });
  };

  for await (const component of readBundle(abortable(source, checkAborted), verify)) {
    checkAborted();
    const m = manifest!;
    if (!oldEntriesRemoved) {
      // From here on the inactive slot is overwritten: nothing may point at it any more.
      const stale = (await readSlotEntries(env.esp)).filter((e) => e.slot === target);
      for (const e of stale) await env.esp.remove(e.file);
      for (const f of await env.esp.list()) if (f.startsWith(".basalt-")) await env.esp.remove(f);
      oldEntriesRemoved = true;
      progress({
        phase: "preparing",
        percent: 100,
        message: stale.length
          ? `removed ${stale.map((e) => e.file).join(", ")} (slot ${target})`
          : `slot ${target} is free`,
      });
    }
    if (component.name === m.uki[target].file) {
      uki = await collect(component.body, maxUkiBytes, component.name);
      const sha = createHash("sha256").update(uki).digest("hex");
      if (sha !== m.uki[target].sha256) {
        throw new BasaltError(
          "invalid_argument",
          `${component.name} does not match the signed manifest (sha256 ${sha.slice(0, 16)}…)`,
        );
      }
      const slot = slotOfCommandLine(ukiCommandLine(uki) ?? "");
      if (slot !== target)
        throw new BasaltError(
          "invalid_argument",
          `${component.name} boots slot ${slot ?? "?"}, not ${target}`,
        );
    } else if (component.name === m.root.file) {
      const capacity = await env.slots.capacity(target);
      if (m.root.size > capacity) {
        throw new BasaltError(
          "failed_precondition",
          `the root image (${m.root.size} bytes) does not fit slot ${target} (${capacity} bytes)`,
        );
      }
      let lastPercent = -1;
      const sha = await env.slots.write(target, component.body, (bytes) => {
        const percent = Math.floor((bytes / m.root.size) * 100);
        if (percent !== lastPercent) {
          lastPercent = percent;
          progress({
            phase: "writing",
            percent,
            message: `slot ${target}: ${bytes} of ${m.root.size} bytes`,
          });
        }
      });
      if (sha !== m.root.sha256) {
        throw new BasaltError(
          "invalid_argument",
          `the root image written to slot ${target} does not match the signed manifest`,
          {
            hint: "the download was corrupted or tampered with; nothing boots from that slot",
          },
        );
      }
      progress({ phase: "writing", percent: 100, message: `slot ${target} written and verified` });
    }
  }
  const m = manifest;
  if (!m || !uki) throw new BasaltError("invalid_argument", "the bundle holds no UKI for the inactive slot");
  checkAborted();
  const entry = freshEntryName(m.version);
  progress({ phase: "installing", percent: 0, message: `writing ${entry}` });
  await env.esp.write(stagingName(m.version), uki);
  await env.esp.rename(stagingName(m.version), entry);
  const demoted: string[] = [];
  if (compareVersions(m.version, env.installed.version) <= 0) {
    for (const e of (await readSlotEntries(env.esp)).filter(
      (x) => x.slot === env.bootedSlot && x.left !== 0,
    )) {
      await env.esp.rename(e.file, exhaustedName(e));
      demoted.push(e.version);
    }
  }
  progress({
    phase: "installing",
    percent: 100,
    message: `${entry} installed: ${m.version} boots next from slot ${target}`,
  });
  return { version: m.version, slot: target, entry, demoted, securityFloor: m.securityFloor ?? "0.0.0" };
}

/** The source's chunks, checking before each one that the install was not aborted. */
async function* abortable(source: AsyncIterable<Uint8Array>, check: () => void): AsyncGenerator<Uint8Array> {
  check();
  for await (const chunk of source) {
    check();
    yield chunk;
  }
}

async function collect(body: AsyncIterable<Uint8Array>, limit: number, what: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.length;
    if (size > limit) throw new BasaltError("invalid_argument", `${what} is larger than ${limit} bytes`);
    parts.push(c);
  }
  return Buffer.concat(parts);
}
