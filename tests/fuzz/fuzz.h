/* fuzz.h: what the fuzz harnesses share — the input as a file, and the oracles they assert. */
#ifndef PROCSNAP_FUZZ_H
#define PROCSNAP_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Each harness defines LLVMFuzzerTestOneInput.  It is linked either with
 * libFuzzer (clang -fsanitize=fuzzer: `make fuzz`) or with replay.c (any
 * compiler: `make check` replays the corpus and the regressions).  Bad
 * input must never crash, leak or hit undefined behaviour; a broken
 * promise of the library (an oracle below) calls fuzz_fail(), which
 * aborts so that libFuzzer and replay both report it.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input as a file the core can open by name.  Every archive entry
 * point takes a path (snapreader_open, snapshot_open, verify_archive,
 * extract_run), so the bytes go into a memfd opened through
 * /proc/self/fd/N: no API only tests would use, no disk, and each open
 * gets its own file offset, so extract can read it twice as it reads a
 * file.  path receives the name; returns the memfd (close it).
 */
int fuzz_file(const uint8_t *data, size_t size, char path[64]);

__attribute__((noreturn, format(printf, 1, 2)))
void fuzz_fail(const char *fmt, ...);

/* Text the library says is safe to print (escape_text output, error
 * messages): no C0 or C1 control character, no DEL, valid UTF-8.  With
 * one_line, no newline either.  what names it in the failure. */
void fuzz_check_text(const char *what, const char *s, size_t n, bool one_line);

/* One line of JSON text: like fuzz_check_text, but C1 characters may
 * appear unescaped (JSON escapes only C0). */
void fuzz_check_json_text(const char *what, const char *s, size_t n);

/* Lines of record output: every line safe to print, the text ends with
 * a newline (or is empty). */
void fuzz_check_lines(const char *what, const char *s, size_t n);

/* JSON output must parse back as one JSON object per line. */
void fuzz_check_json_lines(const char *what, const char *s, size_t n);

#endif
