/* writetext: writes to its own (read-only, executable) text and so dies by SIGSEGV. */
#include "common.h"

int main(int argc, char **argv) {
  (void)argc; (void)argv;
  printf("writetext: about to write to main's code\n");
  fflush(stdout);
  volatile unsigned char *code = (volatile unsigned char *)(void *)main;
  code[0] = 0xc3;
  printf("FAIL: %s:%d the write to text succeeded\n", __FILE__, __LINE__);
  return 1;
}
