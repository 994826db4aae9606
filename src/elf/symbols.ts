/**
 * parseSymbols: the symbol tables (.symtab, then .dynsym) of a parsed ELF file, each name read from
 * the string table its sh_link names; symbolAt: the function or object covering an address (what the
 * tracer uses to name a faulting instruction pointer). Pure; malformed tables are ELF_BAD_HEADER.
 */
import { PagewiseError } from '../errors.js';
import type { ByteReader } from '../util/reader.js';
import { SHT, symbolBindName, symbolTypeName } from './names.js';
import type { ElfSymbol, Section } from './types.js';

const SYM_SIZE = 24;

export function parseSymbols(r: ByteReader, sections: readonly Section[]): ElfSymbol[] {
  const out: ElfSymbol[] = [];
  for (const tab of sections) {
    if (tab.type !== SHT.SYMTAB && tab.type !== SHT.DYNSYM) continue;
    const bad = (m: string) => new PagewiseError('ELF_BAD_HEADER', `${r.what}: symbol table section ${tab.index}: ${m}`);
    if (tab.entsize !== SYM_SIZE) throw bad(`sh_entsize is ${tab.entsize}, expected ${SYM_SIZE}`);
    const strtab = sections[tab.link];
    if (!strtab || strtab.type !== SHT.STRTAB) throw bad(`sh_link ${tab.link} is not a string table`);
    const table = tab.type === SHT.SYMTAB ? '.symtab' : '.dynsym';
    const count = Math.floor(tab.size / SYM_SIZE);
    for (let i = 1; i < count; i++) {
      const o = tab.offset + i * SYM_SIZE;
      const nameOff = r.u32(o, 'st_name');
      if (nameOff >= strtab.size && nameOff !== 0) throw bad(`symbol ${i} name offset ${nameOff} lies outside its string table`);
      const info = r.u8(o + 4, 'st_info');
      out.push({
        name: nameOff === 0 ? '' : r.cstr(strtab.offset + nameOff, 'symbol name', strtab.size - nameOff),
        type: symbolTypeName(info & 0xf),
        bind: symbolBindName(info >> 4),
        shndx: r.u16(o + 6, 'st_shndx'),
        value: r.u64(o + 8, 'st_value'),
        size: r.u64n(o + 16, 'st_size', 'ELF_BAD_HEADER'),
        table,
      });
    }
  }
  return out;
}

/**
 * The defined FUNC/OBJECT/IFUNC symbol whose [value, value+size) holds addr (addresses as in the file,
 * i.e. subtract the load bias first), else the nearest one below it with size 0; undefined when none.
 */
export function symbolAt(symbols: readonly ElfSymbol[], addr: bigint): { symbol: ElfSymbol; offset: bigint } | undefined {
  let best: ElfSymbol | undefined;
  for (const s of symbols) {
    if (s.shndx === 0 || (s.type !== 'FUNC' && s.type !== 'OBJECT' && s.type !== 'IFUNC' && s.type !== 'NOTYPE')) continue;
    if (s.value > addr || s.name === '') continue;
    if (s.size > 0 && addr < s.value + BigInt(s.size)) {
      if (!best || best.size === 0 || s.value > best.value) best = s;
    } else if (s.size === 0 && (!best || (best.size === 0 && s.value > best.value))) {
      best = s;
    }
  }
  return best ? { symbol: best, offset: addr - best.value } : undefined;
}
