/**
 * renderImage / imageJson: what `pagewise ckpt inspect` shows. The regions in the column layout of
 * `pagewise maps` (FreeBSD procstat -v: PID START END PRT ... TP PATH) with the image's own counts
 * (pages mapped, stored, zero pages skipped), then the saved registers, the signal state, rseq and the
 * files to reopen. Pure: a parsed image in, text or a JSON-ready object out.
 */
import * as P from '../native/protocol.js';
import { GREG_NAMES, hex, KIND_NAMES, type CkptImage, type CkptRegion } from './image.js';

export const COLUMN_HELP = `
columns (as pagewise maps / procstat -v, with the image's own counts):
  PID     the process the image was taken from
  START   first address of the region;  END  first address after it
  PRT     protection: r read, w write, x execute
  PAGES   pages mapped;  STORED  pages whose data the image holds;  ZERO  all-zero pages not stored
  FLAG    P private / S shared, D grows down, N no data in the image (guard, kernel special, shared file)
  TP      vn file-backed, df anonymous, sw shared anonymous, ph kernel special ([vdso], [vvar]), gd guard
  PATH    the file or the kernel's name ([heap], [stack], [vdso])
`;

const PTR = 18;
const ptr = (v: bigint) => (v === 0n ? '0' : hex(v)).padStart(PTR);
const prt = (p: number) => `${p & 1 ? 'r' : '-'}${p & 2 ? 'w' : '-'}${p & 4 ? 'x' : '-'}`;

export function regionType(r: CkptRegion): string {
  if (r.flags & P.PW_CKPT_R_SPECIAL) return 'ph';
  if (r.flags & P.PW_CKPT_R_FILE) return 'vn';
  if (r.flags & P.PW_CKPT_R_SHARED) return 'sw';
  if (r.prot === 0) return 'gd';
  return 'df';
}

export function regionFlag(r: CkptRegion): string {
  return `${r.flags & P.PW_CKPT_R_SHARED ? 'S' : 'P'}${r.flags & P.PW_CKPT_R_GROWSDOWN ? 'D' : '-'}${r.hasData ? '-' : 'N'}`;
}

export function zeroPages(r: CkptRegion): number {
  return r.hasData ? r.pages - r.storedPages : 0;
}

export function signalName(n: number): string {
  const names = ['HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM', 'STKFLT', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO', 'PWR', 'SYS'];
  return n >= 1 && n <= 31 ? `SIG${names[n - 1]}` : n >= 34 ? `SIGRTMIN+${n - 34}` : `SIG${n}`;
}

function maskList(mask: bigint): string {
  if (mask === 0n) return 'none';
  if (mask === 0xffffffffffffffffn) return 'all';
  if ((mask | 0x40100n) === 0xffffffffffffffffn) return 'all (SIGKILL and SIGSTOP cannot be blocked)';
  const out: string[] = [];
  for (let s = 1; s <= 64; s++) if ((mask >> BigInt(s - 1)) & 1n) out.push(signalName(s));
  return out.join(' ');
}

function disposition(h: bigint): string {
  return h === 0n ? 'default' : h === 1n ? 'ignore' : `handler ${hex(h)}`;
}

export function renderImage(img: CkptImage, path: string): string {
  const h = img.header;
  const lines: string[] = [];
  const stored = img.regions.reduce((s, r) => s + r.storedPages, 0);
  const mapped = img.regions.reduce((s, r) => s + r.pages, 0);
  const zero = img.regions.reduce((s, r) => s + zeroPages(r), 0);
  lines.push(`${path}: checkpoint image v${h.versionMajor}.${h.versionMinor}, x86-64, ${h.imageSize} bytes`);
  lines.push(`process ${h.pid} (${h.comm}), generation ${h.generation}, taken ${new Date(Number(h.timeNs / 1000000n)).toISOString()} on ${signalName(h.signo)}`);
  lines.push(`${img.regions.length} regions: ${mapped} pages mapped (${mapped * 4} KiB), ${stored} stored (${stored * 4} KiB), ${zero} zero pages skipped`);
  lines.push('');
  lines.push(`${'PID'.padStart(5)} ${'START'.padStart(PTR)} ${'END'.padStart(PTR)} PRT ${'PAGES'.padStart(7)} ${'STORED'.padStart(7)} ${'ZERO'.padStart(7)} FLAG TP PATH`);
  for (const r of img.regions) {
    lines.push(`${String(h.pid).padStart(5)} ${ptr(r.start)} ${ptr(r.end)} ${prt(r.prot)} ${String(r.pages).padStart(7)} ${String(r.storedPages).padStart(7)} ${String(zeroPages(r)).padStart(7)} ${regionFlag(r)}  ${regionType(r)} ${r.name}`);
  }
  lines.push('');
  lines.push('registers (the interrupted context):');
  const g = h.gregs;
  const regs = ['rip', 'rsp', 'rbp', 'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'eflags'] as const;
  for (let i = 0; i < regs.length; i += 3) {
    lines.push('  ' + regs.slice(i, i + 3).map((n) => `${n.padStart(6)} ${hex(g[n]).padEnd(18)}`).join(' ').trimEnd());
  }
  lines.push(`  fs_base ${hex(h.fsBase)}  gs_base ${hex(h.gsBase)}  FPU area ${h.fpstateSize} bytes (${h.fpstateSize > 512 ? 'xsave' : 'fxsave'})`);
  lines.push(`  resume point (inside the SIGUSR2 handler): rip ${hex(h.resume.rip)} rsp ${hex(h.resume.rsp)}`);
  lines.push('');
  lines.push('signals:');
  lines.push(`  blocked at the interruption: ${maskList(h.sigmask)}`);
  const handled = h.sigactions.filter((a) => a.handler !== 0n);
  for (const a of handled) lines.push(`  ${signalName(a.signo).padEnd(12)} ${disposition(a.handler)} flags ${hex(a.flags)}${a.mask ? ` mask ${maskList(a.mask)}` : ''}`);
  lines.push(`  sigaltstack: ${h.altstack.sp ? `${hex(h.altstack.sp)} size ${h.altstack.size}` : 'none'}${h.altstack.flags & 2 ? ' (disabled)' : ''}`);
  lines.push(`rseq: ${h.rseq.addr ? `${hex(h.rseq.addr)} length ${h.rseq.len} signature ${hex(h.rseq.sig)}` : 'not registered'}`);
  lines.push(`program break: ${hex(h.brk)}`);
  lines.push(`threads: ${img.threads.length + 1} (the one that wrote the image${img.threads.length ? ', and:' : ''})`);
  for (const t of img.threads) lines.push(`  tid ${t.tid} (${t.comm}) fs_base ${hex(t.fsBase)} waits at rip ${hex(t.resume.rip)} rsp ${hex(t.resume.rsp)}, blocked ${maskList(t.sigmask)}`);
  lines.push(`files to reopen: ${img.files.length ? '' : 'none'}`);
  for (const f of img.files) lines.push(`  fd ${f.fd} ${f.path} at offset ${f.offset} (flags ${hex(f.openFlags)}${f.fdFlags & 1 ? ', close-on-exec' : ''})`);
  return lines.join('\n') + '\n';
}

export function imageJson(img: CkptImage, path: string): unknown {
  return {
    path,
    header: { ...img.header, gregs: Object.fromEntries(GREG_NAMES.map((n) => [n, img.header.gregs[n]])) },
    totals: {
      regions: img.regions.length,
      mappedPages: img.regions.reduce((s, r) => s + r.pages, 0),
      storedPages: img.regions.reduce((s, r) => s + r.storedPages, 0),
      zeroPagesSkipped: img.regions.reduce((s, r) => s + zeroPages(r), 0),
    },
    regions: img.regions.map((r) => ({ ...r, kindName: KIND_NAMES[r.kind], prt: prt(r.prot), flag: regionFlag(r), tp: regionType(r), zeroPages: zeroPages(r) })),
    files: img.files,
    threads: img.threads,
  };
}
