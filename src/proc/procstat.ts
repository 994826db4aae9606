/**
 * procstatVmRows / renderProcstatVm: a process's regions in the columns of FreeBSD's `procstat -v`
 * (PID START END PRT RES PRES REF SHD FLAG TP PATH), each filled with the nearest Linux meaning
 * (COLUMN_HELP explains them; the same text is in `pagewise maps --help` and docs/inspect.md).
 * Pure: smaps regions in, rows and text out. Page counts are in the region's own page size
 * (KernelPageSize: 4 KiB, or the huge page size of a hugetlbfs mapping).
 */
import type { SmapsRegion } from './maps.js';

export interface ProcstatVmRow {
  readonly pid: number;
  readonly start: bigint;
  readonly end: bigint;
  readonly prt: string;
  readonly res: number;
  readonly pres: number;
  readonly ref: number;
  readonly shd: number;
  readonly flag: string;
  readonly tp: string;
  readonly path: string;
}

export const COLUMN_HELP = `
columns (FreeBSD procstat -v, with the nearest Linux meaning, from /proc/PID/smaps):
  PID    the process
  START  first address of the region
  END    first address after the region
  PRT    protection: r read, w write, x execute (shared or private is in FLAG and TP)
  RES    resident pages (Rss / KernelPageSize)
  PRES   private resident pages: resident and mapped by this process only (Private_Clean + Private_Dirty)
  REF    referenced pages: resident pages the hardware marked accessed since the last clear (Referenced);
         FreeBSD shows the VM object's reference count here, which Linux does not expose
  SHD    shared resident pages: also mapped by another process (Shared_Clean + Shared_Dirty); FreeBSD
         shows the shadow-object count here, the nearest Linux notion being pages shared after fork
  FLAG   five letters, '-' when unset:
           C  copy-on-write: a private writable mapping (a write copies the page)
           N  needs copy: copy-on-write with resident pages not yet copied (Rss > Anonymous, or pages
              still shared with another process), so the next write to them will copy
           S  superpages: transparent or hugetlb huge pages back part of it (AnonHugePages,
              FilePmdMapped, ShmemPmdMapped, or KernelPageSize > 4 kB)
           D  grows down: the main stack (VmFlags gd); Linux x86-64 has no grows-up (U) regions
           W  wired: locked in memory by mlock (VmFlags lo)
  TP     backing type:
           vn  vnode: a file (inode != 0)
           df  default: anonymous private memory ([heap], [stack], malloc arenas, [anon:NAME])
           sw  swap-backed shared memory: shared anonymous, /dev/zero, SysV shm, memfd, /dev/shm
           dv  device memory (VmFlags io or pf: VM_IO/VM_PFNMAP, or a /dev file)
           ph  kernel-provided pages mapped by the kernel itself: [vdso], [vvar], [vsyscall]
           gd  guard: inaccessible (---p) anonymous reservations, such as thread-stack guards
  PATH   the file, or the kernel's name for the region ([heap], [stack], [vdso]); empty if anonymous
`;

const KERNEL_SPECIAL = /^\[(vdso|vvar|vvar_vclock|vsyscall|uprobes|sigpage)\]$/;
const SHMEM = /^(\/dev\/zero|\/SYSV[0-9a-f]{8}|\/memfd:|\/dev\/shm\/)/;

export function regionType(r: SmapsRegion): string {
  if (KERNEL_SPECIAL.test(r.path)) return 'ph';
  if (r.vmFlags.includes('io') || r.vmFlags.includes('pf')) return 'dv';
  if (SHMEM.test(r.path) || (r.shared && r.inode === 0)) return 'sw';
  if (r.inode !== 0) return r.path.startsWith('/dev/') ? 'dv' : 'vn';
  if (!r.read && !r.write && !r.exec) return 'gd';
  return 'df';
}

export function regionFlags(r: SmapsRegion): string {
  const kb = (k: string) => r.kb[k] ?? 0;
  const cow = !r.shared && r.write;
  const needsCopy = cow && (kb('Rss') > kb('Anonymous') || kb('Shared_Clean') + kb('Shared_Dirty') > 0);
  const superpages = kb('AnonHugePages') + kb('FilePmdMapped') + kb('ShmemPmdMapped') > 0 || kb('KernelPageSize') > 4;
  return `${cow ? 'C' : '-'}${needsCopy ? 'N' : '-'}${superpages ? 'S' : '-'}${r.vmFlags.includes('gd') ? 'D' : '-'}${r.vmFlags.includes('lo') ? 'W' : '-'}`;
}

export function procstatVmRows(pid: number, regions: readonly SmapsRegion[]): ProcstatVmRow[] {
  return regions.map((r) => {
    const page = r.kb.KernelPageSize || 4;
    const pages = (...keys: string[]) => Math.floor(keys.reduce((s, k) => s + (r.kb[k] ?? 0), 0) / page);
    return {
      pid, start: r.start, end: r.end, prt: r.perms.slice(0, 3), res: pages('Rss'),
      pres: pages('Private_Clean', 'Private_Dirty'), ref: pages('Referenced'), shd: pages('Shared_Clean', 'Shared_Dirty'),
      flag: regionFlags(r), tp: regionType(r), path: r.path,
    };
  });
}

const PTR_WIDTH = 18; // 2 * sizeof(void *) + 2
/** printf("%#*jx"): 0x-prefixed hex right-aligned, except 0 which prints as "0". */
const ptr = (v: bigint) => (v === 0n ? '0' : `0x${v.toString(16)}`).padStart(PTR_WIDTH);

export function renderProcstatVm(rows: readonly ProcstatVmRow[]): string {
  const lines = [`${'PID'.padStart(5)} ${'START'.padStart(PTR_WIDTH)} ${'END'.padStart(PTR_WIDTH)} PRT ${'RES'.padStart(4)} PRES REF SHD FLAG  TP PATH`];
  for (const r of rows) {
    lines.push(`${String(r.pid).padStart(5)} ${ptr(r.start)} ${ptr(r.end)} ${r.prt} ${String(r.res).padStart(4)} ${String(r.pres).padStart(4)} ${String(r.ref).padStart(3)} ${String(r.shd).padStart(3)} ${r.flag} ${r.tp.padEnd(2)} ${r.path}`);
  }
  return lines.join('\n') + '\n';
}
