/**
 * pagewise: the library. The only public entry; package.json exports nothing else.
 */
export { PagewiseError, REGISTRY as ERROR_REGISTRY, isPagewiseError, type ErrorCode } from './errors.js';
export { main } from './cli/main.js';
export { parseElf, readElfFile, assertLoadable, symbolAt, type ElfFile, type ProgramHeader, type Section, type ElfSymbol } from './elf/index.js';
export { parseMachO, type MachOFile } from './elf/macho.js';
export { readRegions, parseMaps, parseSmaps } from './proc/maps.js';
export { readProcessAuxv } from './proc/auxv-read.js';
export { compare, type Comparison } from './stats/compare.js';
export { renderComparison, renderMinistat } from './stats/ministat.js';
export { summarize } from './stats/summary.js';
export { createPredictor } from './predict/predictor.js';
export { replay } from './predict/replay.js';
export { decodeTrace, TraceDecoder, encodeTrace, TraceWriter } from './trace/format.js';
export { readTrace, followTrace } from './trace/read.js';
export { replayRegions, attributeFaults } from './trace/regions.js';
export { summarize as summarizeTrace } from './trace/summary.js';
export { collectTrace, type CollectOptions, type CollectResult } from './trace/collect.js';
export * from './ckpt/index.js';
