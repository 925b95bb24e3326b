/* snapwriter_int: what the writer's two sides share — the queue of operations, and the writer's state. */
#ifndef PROCSNAP_SNAPWRITER_INT_H
#define PROCSNAP_SNAPWRITER_INT_H

#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "digest.h"
#include "gzstream.h"
#include "snapwriter.h"

/*
 * The caller's thread validates and hashes every member (so snapwriter_end
 * returns the digest at once); libarchive's tar writing, compression and
 * the write(2)s run on an archiver thread, fed through a bounded queue of
 * blocks.  Capture and compression then overlap on two cores, and memory
 * stays bounded: at most SW_BLOCKS blocks of SW_BLOCK bytes are in flight.
 */
#define SW_BLOCK (256u << 10)
#define SW_BLOCKS 16
/* A partly filled block is handed over at the end of a member once it
 * holds this much, so the archiver is not left idle behind small members. */
#define SW_FLUSH (64u << 10)
/*
 * libarchive is told to write unbuffered (its default copies everything
 * into 10 KiB blocks); out_write() gathers small writes into a buffer of
 * SW_OUT bytes and passes writes of SW_OUT_DIRECT bytes or more straight
 * to write(2), from the caller's memory.  Copies cost more than anything
 * else when recovering a large file.  Padding is the tar format's own, so
 * the archive's bytes do not depend on any of this.
 */
#define SW_OUT (128u << 10)
#define SW_OUT_DIRECT (32u << 10)

enum sw_op_type { OP_HEADER, OP_DATA, OP_ZEROS, OP_END, OP_CLOSE, OP_READ };

/*
 * A lent read (snapwriter_read_lent), lent.c: the chunk of a file is read
 * into the lender's buffer by whichever of the two threads gets to it
 * first: the archiver, when its turn to write the chunk comes, or the
 * caller, which would otherwise wait to hash an older one (so the two
 * share the reading, whoever is less busy).  The archiver writes it, the
 * caller hashes it; the lender gets its buffer back when the second of
 * the two is done, whichever it is.
 */
enum { SW_UNREAD, SW_READING, SW_READ };

struct sw_ticket {
	atomic_int refs;              /* 2: the archiver's and the caller's */
	atomic_int state;             /* SW_UNREAD, then claimed by one thread */
	void (*release)(void *arg);
	void *arg;
	int fd;
	uint64_t off;
	void *buf;
	size_t n;
	_Atomic uint64_t *end;        /* the lender's: where the file ended */
	struct snap_read *rd;         /* the lender's: the read's outcome */
	bool read_done;               /* mu: rd is filled, buf holds the bytes */
	struct sw_ticket *next;       /* caller: the reads not hashed yet */
};

/* One party is done with a lent buffer: the last one gives it back and
 * frees the ticket. */
void sw_ticket_done(struct sw_ticket *t);
/* Reads t's chunk if no thread has claimed it yet (true), or gives up
 * at once (false).  With cancel, claims it and reads nothing. */
bool sw_ticket_read(struct snapwriter *w, struct sw_ticket *t, bool cancel);
/* Waits (w->mu held) until t's chunk is read. */
void sw_ticket_wait(struct snapwriter *w, struct sw_ticket *t);

/* An operation in a block; len payload bytes follow, padded to 8. */
struct sw_op {
	uint32_t type;
	uint32_t len;
	uint64_t arg; /* HEADER: size; ZEROS: count; HEADER: payload is
		       * nregions regions, then the member name */
	uint64_t nregions;
};

struct sw_block {
	struct sw_block *next;
	size_t len;
	unsigned char data[];
};

struct snapwriter {
	struct archive *a;
	struct archive_entry *entry;
	char *top;
	time_t mtime;
	struct buf manifest; /* "<sha256>  <name>\n" per member, in order */
	struct digest d;
	char name[512];      /* the member being streamed */
	uint64_t remaining;  /* bytes still owed to the streamed member */
	int open_member;
	_Atomic uint64_t bytes;  /* written by the caller's thread, read anywhere */
	int closed;
	char err[512];

	/* The queue to the archiver thread; mu guards everything below. */
	pthread_t thread;
	int started;
	int stuck;                    /* stopped, its thread would not end: left */
	pthread_mutex_t mu;
	pthread_cond_t work, space;
	pthread_cond_t read;          /* a lent read is done */
	struct sw_block *head, *tail; /* queued, in order */
	struct sw_block *spare;       /* free blocks */
	size_t nblocks;               /* allocated (<= SW_BLOCKS) */
	int quit;                     /* caller: abandon the archive */
	const atomic_bool *stop;      /* borrowed: stopped, abandon it */
	void (*poll)(void *arg);      /* the caller's, while finish waits */
	void *poll_arg;
	int exited;                   /* archiver: thread is done */
	int astatus;                  /* archiver: first fatal error, -errno */
	int reached_close;            /* archiver: archive_write_close was called */
	char aerr[512];               /* archiver: its message */
	struct sw_block *cur;         /* caller: the block being filled */
	struct sw_ticket *rhead, *rtail; /* caller: lent reads not hashed yet */
	int sync_ready;               /* mu and the conditions exist */
	int fd;                       /* the output (borrowed) */
	char *obuf;                   /* archiver: small writes gathered */
	size_t olen;
	struct gzstream *gz;          /* archiver: the gzip stage, or NULL */
};

/* ---- archiver.c: the archiver thread, every libarchive call after open ---- */

/* The thread's body (arg: the writer). */
void *archiver_main(void *arg);
/* ARCHIVE_OK and ARCHIVE_WARN go on (a warning is noted); anything worse
 * is the archiver's fatal error, returned as -errno. */
int archiver_check(struct snapwriter *w, int ar, const char *what);
/* Gives back what a block lent, without reading or writing it. */
void archiver_discard(struct snapwriter *w, const struct sw_block *b);
/* Whether the caller's stop flag is set (read under mu: see
 * snapwriter_set_stop). */
bool archiver_stopped(struct snapwriter *w);
/* libarchive's client callbacks: our own output buffering, and the gzip
 * stage when w->gz is set. */
la_ssize_t archiver_out_write(struct archive *a, void *arg, const void *p, size_t n);
int archiver_out_close(struct archive *a, void *arg);
/* gzstream's sink: writev(2) to the output, every byte or -errno. */
int archiver_gz_sink(void *arg, const struct iovec *iov, int n);

static inline size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

#endif
