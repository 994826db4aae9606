/*
 * check.c: the complete check of an ELF image before any of it is mapped (as the kernel's
 * binfmt_elf does, and stricter).
 *
 * pw_check_image(im, path, is_interp, msg) takes a file already mapped read-only (im->view, im->size)
 * and fills im, or returns a PW_LOADER_ERR_* code with one line in msg. It checks: ELF magic, 64-bit,
 * little-endian, version, x86-64, ET_EXEC or ET_DYN (ET_DYN only for an interpreter), the program header
 * table inside the file, each PT_LOAD (alignment congruence, filesz <= memsz, file range inside the
 * file, no address overflow, below the 47-bit limit, at most 1 TiB), PT_LOADs in ascending order and
 * not overlapping, the entry point inside an executable PT_LOAD, at most one PT_INTERP, which must be
 * an absolute NUL-terminated path of sane length. It maps nothing and has no effect.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include "loader.h"

#define FAIL(code, ...) do { snprintf(msg, msglen, __VA_ARGS__); return (code); } while (0)

static uint64_t rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t rd32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }

int pw_check_image(struct pw_image *im, const char *path, int is_interp, char *msg, size_t msglen) {
  const unsigned char *b = im->view;
  uint64_t size = im->size;
  im->path = path;
  if (size < 4 || memcmp(b, ELFMAG, SELFMAG) != 0) FAIL(PW_LOADER_ERR_NOT_ELF, "%s is not an ELF file", path);
  if (size < sizeof(Elf64_Ehdr)) FAIL(PW_LOADER_ERR_TRUNCATED, "%s: ELF header truncated (%lu bytes)", path, (unsigned long)size);
  if (b[EI_CLASS] != ELFCLASS64) FAIL(PW_LOADER_ERR_BAD_CLASS, "%s is not a 64-bit ELF file (class %u)", path, b[EI_CLASS]);
  if (b[EI_DATA] != ELFDATA2LSB) FAIL(PW_LOADER_ERR_BAD_HEADER, "%s is not little-endian", path);
  if (b[EI_VERSION] != EV_CURRENT) FAIL(PW_LOADER_ERR_BAD_HEADER, "%s: bad ELF version %u", path, b[EI_VERSION]);
  uint16_t type = rd16(b + 16), machine = rd16(b + 18);
  if (machine != EM_X86_64) FAIL(PW_LOADER_ERR_BAD_MACHINE, "%s is for machine %u, not x86-64 (62)", path, machine);
  if (type != ET_EXEC && type != ET_DYN) FAIL(PW_LOADER_ERR_BAD_HEADER, "%s is ELF type %u, not an executable (ET_EXEC or ET_DYN)", path, type);
  if (is_interp && type != ET_DYN) FAIL(PW_LOADER_ERR_BAD_INTERP, "interpreter %s is not ET_DYN", path);
  im->type = type;
  im->entry = rd64(b + 24);
  im->phoff = rd64(b + 32);
  uint16_t phentsize = rd16(b + 54), phnum = rd16(b + 56);
  if (phentsize != sizeof(Elf64_Phdr)) FAIL(PW_LOADER_ERR_BAD_HEADER, "%s: e_phentsize is %u, expected 56", path, phentsize);
  if (phnum == 0 || phnum > PW_MAX_PHNUM) FAIL(PW_LOADER_ERR_BAD_HEADER, "%s: e_phnum is %u, expected 1..%d", path, phnum, PW_MAX_PHNUM);
  if (im->phoff > size || (uint64_t)phnum * 56 > size - im->phoff)
    FAIL(PW_LOADER_ERR_TRUNCATED, "%s: program headers at offset %lu (%u x 56 bytes) lie past the end of the file (%lu bytes)",
         path, (unsigned long)im->phoff, phnum, (unsigned long)size);
  im->phnum = phnum;
  im->nload = 0;
  im->interp = NULL;
  im->phdr_vaddr = 0;
  int entry_ok = 0, ninterp = 0;
  uint64_t prev_end = 0;
  for (int i = 0; i < phnum; i++) {
    const unsigned char *ph = b + im->phoff + (uint64_t)i * 56;
    uint32_t pt = rd32(ph), flags = rd32(ph + 4);
    uint64_t off = rd64(ph + 8), vaddr = rd64(ph + 16), filesz = rd64(ph + 32), memsz = rd64(ph + 40), align = rd64(ph + 48);
    if (pt == PT_INTERP) {
      if (++ninterp > 1) FAIL(PW_LOADER_ERR_BAD_INTERP, "%s has more than one PT_INTERP", path);
      if (is_interp) FAIL(PW_LOADER_ERR_BAD_INTERP, "interpreter %s itself names an interpreter", path);
      if (off > size || filesz > size - off) FAIL(PW_LOADER_ERR_TRUNCATED, "%s: PT_INTERP at offset %lu (%lu bytes) lies past the end of the file", path, (unsigned long)off, (unsigned long)filesz);
      if (filesz < 2 || filesz > 4096) FAIL(PW_LOADER_ERR_BAD_INTERP, "%s: interpreter path length %lu is not 2..4096", path, (unsigned long)filesz);
      const char *ip = (const char *)b + off;
      if (ip[filesz - 1] != 0 || strlen(ip) != filesz - 1) FAIL(PW_LOADER_ERR_BAD_INTERP, "%s: interpreter path is not one NUL-terminated string", path);
      if (ip[0] != '/') FAIL(PW_LOADER_ERR_BAD_INTERP, "%s: interpreter path '%.64s' is not absolute", path, ip);
      im->interp = ip;
    } else if (pt == PT_PHDR) {
      im->phdr_vaddr = vaddr;
    } else if (pt == PT_LOAD) {
      int n = im->nload;
      if (memsz == 0) continue;
      if (filesz > memsz) FAIL(PW_LOADER_ERR_BAD_HEADER, "%s: segment %d has filesz %lu > memsz %lu", path, n, (unsigned long)filesz, (unsigned long)memsz);
      if (off > size || filesz > size - off)
        FAIL(PW_LOADER_ERR_TRUNCATED, "%s: segment %d file bytes at offset %lu (%lu bytes) lie past the end of the file (%lu bytes)", path, n, (unsigned long)off, (unsigned long)filesz, (unsigned long)size);
      if ((off & (PW_PAGE - 1)) != (vaddr & (PW_PAGE - 1)))
        FAIL(PW_LOADER_ERR_BAD_HEADER, "%s: segment %d offset 0x%lx and address 0x%lx differ modulo the page size", path, n, (unsigned long)off, (unsigned long)vaddr);
      if (align > 1 && (align & (align - 1))) FAIL(PW_LOADER_ERR_BAD_HEADER, "%s: segment %d alignment %lu is not a power of two", path, n, (unsigned long)align);
      if (memsz > (1UL << 40)) FAIL(PW_LOADER_ERR_BAD_HEADER, "%s: segment %d memsz %lu is larger than 1 TiB", path, n, (unsigned long)memsz);
      if (vaddr >= PW_USER_TOP || memsz > PW_USER_TOP - vaddr)
        FAIL(PW_LOADER_ERR_BAD_HEADER, "%s: segment %d at 0x%lx (+%lu) ends past the user address space", path, n, (unsigned long)vaddr, (unsigned long)memsz);
      if (n > 0 && vaddr < prev_end)
        FAIL(PW_LOADER_ERR_BAD_HEADER, "%s: segment %d at 0x%lx overlaps or precedes the previous segment (ending 0x%lx)", path, n, (unsigned long)vaddr, (unsigned long)prev_end);
      prev_end = vaddr + memsz;
      im->load[n].vaddr = vaddr; im->load[n].memsz = memsz; im->load[n].filesz = filesz;
      im->load[n].offset = off; im->load[n].flags = flags;
      if ((flags & PF_X) && im->entry >= vaddr && im->entry < vaddr + memsz) entry_ok = 1;
      im->nload++;
    }
  }
  if (im->nload == 0) FAIL(PW_LOADER_ERR_BAD_HEADER, "%s has no loadable segment", path);
  if (!entry_ok) FAIL(PW_LOADER_ERR_BAD_HEADER, "%s: entry point 0x%lx is not inside an executable segment", path, (unsigned long)im->entry);
  im->lo = PW_PAGE_DOWN(im->load[0].vaddr);
  im->hi = PW_PAGE_UP(im->load[im->nload - 1].vaddr + im->load[im->nload - 1].memsz);
  if (im->type == ET_DYN && im->hi - im->lo > (1UL << 40)) FAIL(PW_LOADER_ERR_BAD_HEADER, "%s spans more than 1 TiB", path);
  if (!im->phdr_vaddr) {
    /* no PT_PHDR: the header table is wherever the PT_LOAD holding its file bytes puts it */
    for (int i = 0; i < im->nload; i++)
      if (im->phoff >= im->load[i].offset && im->phoff + (uint64_t)phnum * 56 <= im->load[i].offset + im->load[i].filesz)
        im->phdr_vaddr = im->load[i].vaddr + (im->phoff - im->load[i].offset);
  }
  return PW_LOADER_ERR_NONE;
}
