/**
 * A 64-bit Mach-O executable built byte by byte (there is no Mach-O toolchain here), shaped like a
 * small clang output: __PAGEZERO, __TEXT (with __text and __cstring), __LINKEDIT, LC_LOAD_DYLINKER,
 * LC_UUID, LC_MAIN and LC_LOAD_DYLIB. Returns the bytes and the values written, so tests compare the
 * parser's output with what was put in.
 */
export interface MachOFixture {
  bytes: Buffer;
  segments: { segname: string; vmaddr: bigint; vmsize: bigint; fileoff: number; filesize: number; maxprot: number; initprot: number; sections: string[] }[];
  dylinker: string;
  dylib: string;
  entryoff: bigint;
  ncmds: number;
}

class W {
  parts: Buffer[] = [];
  u32(v: number) { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); this.parts.push(b); return this; }
  u64(v: bigint) { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); this.parts.push(b); return this; }
  str(s: string, n: number) { const b = Buffer.alloc(n); b.write(s, 'latin1'); this.parts.push(b); return this; }
  pad(n: number) { this.parts.push(Buffer.alloc(n)); return this; }
  get size() { return this.parts.reduce((s, p) => s + p.length, 0); }
  done() { return Buffer.concat(this.parts); }
}

export function buildMachO(): MachOFixture {
  const fileSize = 0x4000 + 0x1000;
  const segments = [
    { segname: '__PAGEZERO', vmaddr: 0n, vmsize: 0x100000000n, fileoff: 0, filesize: 0, maxprot: 0, initprot: 0, sections: [] as string[] },
    { segname: '__TEXT', vmaddr: 0x100000000n, vmsize: 0x4000n, fileoff: 0, filesize: 0x4000, maxprot: 5, initprot: 5, sections: ['__text', '__cstring'] },
    { segname: '__LINKEDIT', vmaddr: 0x100004000n, vmsize: 0x4000n, fileoff: 0x4000, filesize: 0x1000, maxprot: 1, initprot: 1, sections: [] },
  ];
  const dylinker = '/usr/lib/dyld';
  const dylib = '/usr/lib/libSystem.B.dylib';
  const entryoff = 0x3f50n;
  const cmds: Buffer[] = [];
  for (const s of segments) {
    const w = new W().u32(0x19).u32(72 + 80 * s.sections.length).str(s.segname, 16).u64(s.vmaddr).u64(s.vmsize)
      .u64(BigInt(s.fileoff)).u64(BigInt(s.filesize)).u32(s.maxprot).u32(s.initprot).u32(s.sections.length).u32(0);
    s.sections.forEach((name, i) => {
      w.str(name, 16).str(s.segname, 16).u64(s.vmaddr + 0x3f50n + BigInt(i * 0x40)).u64(0x34n).u32(0x3f50 + i * 0x40)
        .u32(i === 0 ? 4 : 0).u32(0).u32(0).u32(i === 0 ? 0x80000400 : 2).u32(0).u32(0).u32(0);
    });
    cmds.push(w.done());
  }
  const pathCmd = (cmd: number, path: string, headerLen: number) => {
    const size = Math.ceil((headerLen + path.length + 1) / 8) * 8;
    const w = new W().u32(cmd).u32(size).u32(headerLen);
    if (headerLen === 24) w.u32(2).u32(0x10000).u32(0x10000);
    w.str(path, size - headerLen);
    return w.done();
  };
  cmds.push(pathCmd(0xe, dylinker, 12));
  cmds.push(new W().u32(0x1b).u32(24).str('0123456789abcdef', 16).done());
  cmds.push(new W().u32(0x80000028).u32(24).u64(entryoff).u64(0n).done());
  cmds.push(pathCmd(0xc, dylib, 24));
  const sizeofcmds = cmds.reduce((s, c) => s + c.length, 0);
  const header = new W().u32(0xfeedfacf).u32(0x01000007).u32(3).u32(2).u32(cmds.length).u32(sizeofcmds).u32(0x200085).u32(0).done();
  const body = Buffer.concat([header, ...cmds]);
  const bytes = Buffer.alloc(fileSize);
  body.copy(bytes);
  return { bytes, segments, dylinker, dylib, entryoff, ncmds: cmds.length };
}
