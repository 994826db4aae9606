/* mmapread [FILE | MiB]: reads a file through mmap, page by page; with a number, makes a temporary file of that many MiB first. */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "8";
  char tmp[] = "/tmp/pagewise-mmapread-XXXXXX";
  char *end;
  long mib = strtol(path, &end, 10);
  int fd;
  if (*path && !*end) {
    if (mib < 1 || mib > 4096) { fprintf(stderr, "usage: %s [FILE | MiB<=4096]\n", argv[0]); return 2; }
    fd = mkstemp(tmp);
    if (fd < 0) { perror("mmapread: mkstemp"); return 1; }
    unlink(tmp);
    static unsigned char buf[1 << 16];
    for (long off = 0; off < mib << 20; off += sizeof buf) {
      for (size_t k = 0; k < sizeof buf; k += PAGE) buf[k] = (unsigned char)((off + (long)k) / (long)PAGE);
      if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) { perror("mmapread: write"); return 1; }
    }
  } else {
    fd = open(path, O_RDONLY);
    if (fd < 0) { fprintf(stderr, "mmapread: cannot open %s\n", path); return 2; }
  }
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size == 0) { fprintf(stderr, "mmapread: empty or unreadable file\n"); return 2; }
  unsigned char *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED) { perror("mmapread: mmap"); return 1; }
  unsigned long h = FNV_INIT;
  for (off_t off = 0; off < st.st_size; off += PAGE) h = mix(h, m[off]);
  printf("mmapread: %ld bytes, checksum %016lx\n", (long)st.st_size, h);
  return 0;
}
