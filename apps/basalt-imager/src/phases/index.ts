import type { Phase } from "../build-context.ts";
import { downloadPackages, extractPackages } from "./debian-packages.ts";
import { writeUpdateBundle } from "./bundle.ts";
import { buildDisk } from "./disk.ts";
import { checkHostTools } from "./host-tools.ts";
import { addComponents } from "./components.ts";
import { buildInitramfs } from "./initramfs.ts";
import { writeManifest } from "./manifest.ts";
import { checkElfNeeds, checkKernelModules } from "./node-checks.ts";
import { buildRootImage } from "./root-image.ts";
import { checkRootPolicy, shapeRoot } from "./root-tree.ts";
import { addRuntime } from "./runtime.ts";
import { buildUki } from "./uki.ts";

/** The image build, in order (DESIGN.md "Image build"). */
export const buildPhases: readonly Phase[] = [
  checkHostTools,
  downloadPackages,
  extractPackages,
  shapeRoot,
  addRuntime,
  addComponents,
  checkKernelModules,
  checkElfNeeds,
  checkRootPolicy,
  buildRootImage,
  buildInitramfs,
  buildUki,
  buildDisk,
  writeUpdateBundle,
  writeManifest,
];
