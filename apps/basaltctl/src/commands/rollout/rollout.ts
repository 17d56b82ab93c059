import type { Command } from "../../cli/command.ts";
import { previewCommand } from "./preview.ts";
import { statusCommand } from "./status.ts";

/** basaltctl rollout preview | status: UpgradePlans, read from the cluster through a kubeconfig. */
export const rolloutCommands: Command[] = [previewCommand, statusCommand];
