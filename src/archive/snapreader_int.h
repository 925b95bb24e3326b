/* snapreader_int: the reader's state, and what its files (src/archive/snapreader*.c) share. */
#ifndef PROCSNAP_SNAPREADER_INT_H
#define PROCSNAP_SNAPREADER_INT_H

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapreader.h"

/*
 * The reader is five files, each calling only those listed before it:
 *   snapreader_error.c   the sticky error, and archive text quoted for it
 *   snapreader_input.c   the archive file: read, hashed for custody, its end
 *   snapreader_member.c  what a member may be: name, type, size, place
 *   snapreader_data.c    the current member's data: chunks, lines, JSON, hash
 *   snapreader.c         the walk: open, member by member, the manifest last
 * and the JSON of snapreader_data.c is parsed by jsonfast.cpp (simdjson,
 * jansson deciding whatever it does not).
 */

#define IO_SIZE (64u << 10)
/* An uncompressed tar ends with two 512-byte zero blocks. */
#define TAIL 1024
/* Archive text quoted in a message is cut to this many bytes. */
#define QUOTE_MAX 160

struct snapreader {
	struct snapreader_opts o;
	struct archive *a;
	int fd;
	bool own_fd;
	unsigned char *io;

	/* The archive file's own bytes, hashed as libarchive reads them. */
	struct digest file_d;
	uint64_t file_bytes;
	uint64_t file_size;   /* a regular file's size; 0: unknown (a pipe) */
	bool stopped;         /* o.stop was seen set: io_err is EINTR */
	unsigned char tail[TAIL];
	size_t tail_len;
	uint64_t data_end;    /* offset just past the last non-zero byte read */
	int io_err;
	bool input_eof;
	bool file_done;
	char file_hex[DIGEST_HEX_LEN + 1];

	char top[256];
	size_t toplen;
	json_t *format;

	/* The current member. */
	struct snap_member m;
	char name[SNAPREADER_MAX_NAME + 1];
	char last[SNAPREADER_MAX_NAME + 1]; /* the one before, for messages */
	bool in_member;
	bool format_pending;  /* format.json read by open, not yet returned */
	bool data_eof;
	uint64_t pos;         /* logical bytes fetched */
	uint64_t holes;
	uint64_t hole_left;   /* a hole to hand out before blk */
	const void *blk;
	size_t blk_len;
	struct snap_chunk cur; /* fetched, not yet taken by the caller */
	bool hashing;
	struct digest d;
	bool hex_done;
	char hex[DIGEST_HEX_LEN + 1];

	bool seen_manifest;
	uint64_t count;
	struct manifest *v;
	struct buf manifest;
	unsigned long problems;

	bool ended;
	int err;              /* sticky: once set, every call returns it */
	struct buf q;         /* scratch for quoting archive text */
	struct jsonfast *jf;  /* made on the first JSON parsed */
	bool jf_tried;
	char msg[1024];
};

/* snapreader_error.c.  Sets the sticky error (the first one stays) and
 * returns it. */
int snapreader_fail(struct snapreader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Archive text made safe for a message: escaped, one line, cut short.
 * Valid until the next quote. */
const char *snapreader_quote(struct snapreader *r, const char *s, size_t n);
const char *snapreader_quotes(struct snapreader *r, const char *s);
/* A failed libarchive call: named as truncation when that is what it is. */
int snapreader_archive_fail(struct snapreader *r);

/* snapreader_input.c.  Opens path ("-": stdin) under libarchive, reading
 * only the formats procsnap writes. */
int snapreader_input_open(struct snapreader *r, const char *path);
/* Reads what libarchive left of the input, for the custody hash. */
void snapreader_input_drain(struct snapreader *r);
/* After the tar's end: nothing but padding follows, and a plain tar has
 * its end-of-archive blocks. */
int snapreader_input_check_end(struct snapreader *r);

/* snapreader_member.c.  The member's name: safe, under TOP/, into r->name
 * (for the first member, r->top from it). */
int snapreader_member_name(struct snapreader *r, struct archive_entry *e);
/* Classifies r->name into r->m and checks kind, place, size and sparseness. */
int snapreader_member_check(struct snapreader *r, struct archive_entry *e);

#endif
