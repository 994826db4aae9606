/* nullderef: reads through a NULL pointer and so dies by SIGSEGV, in every way it is loaded. */
#include "common.h"

int main(int argc, char **argv) {
  (void)argc; (void)argv;
  printf("nullderef: about to dereference NULL\n");
  fflush(stdout);
  int *volatile zero = NULL;
  return *zero;
}
