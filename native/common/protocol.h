/*
 * protocol.h: the boundary between pagewise's C programs and its TypeScript side.
 *
 * Written down twice: src/native/protocol.ts holds the same numbers, and test/native/protocol.test.ts
 * checks that the two files agree (it reads the #define lines below, so keep them one per line, in the
 * form `#define PW_NAME value`). Record layouts are little-endian, packed as declared, sizes checked
 * with _Static_assert next to each struct. Each file format is documented in docs/formats/.
 */
#ifndef PAGEWISE_PROTOCOL_H
#define PAGEWISE_PROTOCOL_H

#include <stdint.h>

/* Version of this protocol as a whole (bumped when any layout below changes incompatibly). */
#define PW_PROTOCOL_VERSION 1

/* ---- exit statuses of the native programs' own failures (before the target program runs) ---- */
/* The loader and restarter exit with these only before control passes to the program; afterwards the
 * process's status is the program's. The TypeScript side tells the two apart through the report pipe. */
#define PW_EXIT_USAGE 2
#define PW_EXIT_BAD_INPUT 2
#define PW_EXIT_FAILED 1

/* ---- loader ---- */
/* ---- trace file ---- */
/* ---- checkpoint image ---- */

#endif
