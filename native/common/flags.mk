# Shared compiler flags for native/. Included by each program's Makefile.
CC ?= gcc
BUILD ?= $(abspath ../build)
COMMON := $(abspath ../common)
CFLAGS_BASE := -O2 -g -Wall -Wextra -Werror=implicit-function-declaration -std=gnu11 -I$(COMMON)
# Freestanding code (runs inside another program after control passed to it: signal handlers of the
# loaded program, the restart path, the checkpoint writer):
#   -fno-stack-protector   the canary lives in TLS (fs:0x28), which belongs to the other program or is gone
#   -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=0   fortified libc wrappers would call into libc state
#   -fno-builtin           keep gcc from turning loops into memcpy/memset calls into libc ...
#   -ffreestanding         ... and from assuming a hosted libc
#   -fno-tree-loop-distribute-patterns  same: no loop turned into a library call
#   -fcf-protection=none   no endbr/shadow-stack assumptions across the hand-made control transfers
CFLAGS_FREESTANDING := -fno-stack-protector -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=0 -fno-builtin \
  -ffreestanding -fno-tree-loop-distribute-patterns -fcf-protection=none
