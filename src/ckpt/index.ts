/**
 * The checkpoint part of the library API (re-exported by src/index.ts): read, check and render images,
 * and drive libckpt.so / myrestart. See docs/ckpt.md and docs/formats/ckpt.md.
 */
export { parseImageMeta, verifyImageBuffer, verifyRegionData, regionDataRange, collisions, type CkptImage, type CkptHeader, type CkptRegion, type CkptFile } from './image.js';
export { readImage, verifyImageFile, restartPreflight } from './file.js';
export { renderImage, imageJson } from './render.js';
export { crc32c } from './crc32c.js';
export { runPreloaded, dumpProcess, runRestarter, type DumpResult } from './run.js';
