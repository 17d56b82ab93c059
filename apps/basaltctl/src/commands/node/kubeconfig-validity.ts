import { BasaltError } from "@basalt/machinery";

/** "90m", "24h", "7d" or plain seconds → seconds (a kubeconfig's client certificate lifetime). */
export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(m?.[2] ?? "s") as "s"];
  const seconds = m ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0 || seconds > 0xffffffff)
    throw new BasaltError("invalid_argument", `--validity "${text}" is not a positive duration`, {
      hint: "e.g. --validity 24h, 90m or 7d",
    });
  return seconds;
}
