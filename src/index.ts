/**
 * pagewise: the library. The only public entry; package.json exports nothing else.
 */
export { PagewiseError, REGISTRY as ERROR_REGISTRY, isPagewiseError, type ErrorCode } from './errors.js';
export { main } from './cli/main.js';
export { parseElf, readElfFile, assertLoadable, symbolAt, type ElfFile, type ProgramHeader, type Section, type ElfSymbol } from './elf/index.js';
export { parseMachO, type MachOFile } from './elf/macho.js';
export { readRegions, parseMaps, parseSmaps } from './proc/maps.js';
export { readProcessAuxv } from './proc/auxv-read.js';
