/** Basalt's release version; the imager and release tooling stamp the same string. */
export const basaltVersion = "0.1.0";

/** The default TCP port of the node API. */
export const defaultApiPort = 50000;
