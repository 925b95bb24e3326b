/* gzstream: a gzip stream that deflates what compresses and stores what does not. */
#define ZLIB_CONST
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>
#include <zlib.h>

#include "gzstream.h"

/*
 * Deflate at level 1 crawls on incompressible bytes (encrypted or already
 * compressed payloads: 25-30 MB/s here): it hashes every position and
 * walks hash chains for matches that are not there, then stores the block
 * anyway.  So the input is cut into chunks, and each chunk is either
 * deflated or written as stored blocks (RFC 1951 3.2.4: a 5-byte header,
 * then the bytes as they are).  Both are ordinary deflate blocks of one
 * stream, in one gzip member, so any inflate reads the result.
 *
 * The deflate stream is raw (windowBits -15) and the gzip header and
 * trailer are ours, rather than zlib's gzip wrapper switched between
 * levels 1 and 0 with deflateParams(): stored blocks written here cost one
 * CRC-32 pass and no copy at all (the sink gets the caller's memory, so
 * writev(2) copies it once, into the page cache), where zlib's level 0
 * copies every byte into its window and into the output buffer first.
 * Interleaving our blocks with zlib's is safe because
 *   - before our stored blocks, zlib is flushed with Z_SYNC_FLUSH: its
 *     output so far is complete and ends on a byte boundary, which is
 *     where a stored block's header must start;
 *   - after them, zlib is reset (deflateReset) before it deflates again:
 *     its window does not hold the bytes we stored, so it must not emit
 *     matches reaching back past them (an inflater would copy from the
 *     stored bytes).  The raw stream has no header, so a reset stream just
 *     goes on with more blocks; only 32 KiB of history, of data that was
 *     incompressible anyway, is lost;
 *   - only zlib writes the final block (Z_FINISH), after a reset if our
 *     blocks came last.
 *
 * The decision, per chunk (put_chunk()):
 *   - a deflated chunk is measured exactly: it ends with a Z_BLOCK flush
 *     (its block is complete, no marker is added) and total_out tells what
 *     it cost.  Above GZS_STORE_PCT of its input, the chunks that follow
 *     are stored;
 *   - while storing, a cheap probe looks at a sample of each chunk (the
 *     order-0 entropy of 4 windows of 1 KiB: 3% of its bytes, a few %
 *     of the time it takes to store it): below GZS_ENTROPY_BITS bits a byte, Huffman
 *     coding alone would save something, and the chunk is deflated (a
 *     trial).  A byte histogram cannot see repeated strings, so every
 *     retry'th stored chunk is deflated anyway, retry doubling from
 *     GZS_RETRY_MIN to GZS_RETRY_MAX while such trials fail: on 1 GiB of
 *     random bytes that is 13 chunks deflated in vain, 1.6 MiB;
 *   - a trial that does not compress goes back to storing; when it was
 *     the probe that was wrong, the probe is not listened to again for
 *     `wait` chunks (doubling to GZS_WAIT_MAX), so data that fools the
 *     probe cannot make every other chunk a slow one.
 * A chunk that compresses is deflated; one that does not costs a deflate
 * at most once in a while.  The first chunk is probed.
 *
 * What is left of the cost of a stored byte is the gzip trailer's CRC-32:
 * zlib's table-driven crc32 (1-3 GB/s here, slower than SHA-256 with the
 * SHA extensions) was a third of the archiver thread's time on random
 * data.  libdeflate's crc32 (Debian's libdeflate) folds with PCLMULQDQ
 * where the CPU has it and picks its generic code where not, at the
 * memory's speed here: the same CRC (gzip's, RFC 1952 8), checked against
 * zlib's in test_gzstream.c.
 */

#define GZS_OUT (128u << 10)        /* zlib's output buffer */
#define GZS_STORED_MAX 65535u       /* LEN of one stored block */
#define GZS_HEADER 10u              /* gzip header, RFC 1952 2.3 */
#define GZS_WINDOW 1024u            /* the probe's sample: 4 windows */
#define GZS_WINDOWS 4u
#define GZS_SAMPLE (GZS_WINDOW * GZS_WINDOWS)
/* Store after a deflated chunk larger than this % of its input. */
#define GZS_STORE_PCT 95u
/* Deflate a stored-mode chunk whose sample has fewer bits a byte. */
#define GZS_ENTROPY_BITS 7.5
#define GZS_RETRY_MIN 16u
#define GZS_RETRY_MAX 1024u
#define GZS_WAIT_MAX 64u

/* Stored blocks of one chunk: at most this many. */
#define GZS_BLOCKS ((GZSTREAM_CHUNK + GZS_STORED_MAX - 1) / GZS_STORED_MAX)
/* zlib's pending output, then per block its header and at most 2 parts
 * (a chunk is at most 2 pieces, so only one block straddles them). */
_Static_assert(1 + 2 * GZS_BLOCKS + 1 <= GZSTREAM_IOV_MAX, "chunk too big for the iovecs");
_Static_assert(GZSTREAM_CHUNK <= 0x7fffffffu, "zlib's avail_in is a uInt");

/* zlib's state with respect to the stream written so far. */
enum gzs_zstate {
	ZS_CLEAN,  /* fresh or reset, fed nothing since: output byte-aligned */
	ZS_ACTIVE, /* deflating: may hold bits and history */
	ZS_DIRTY,  /* flushed, and our stored blocks followed: reset first */
};

/* A chunk: the kept bytes and the caller's, in order. */
struct gzs_chunk {
	const unsigned char *p[2];
	size_t n[2];
	size_t len;
};

struct gzstream {
	z_stream z;
	int zinit;                 /* deflateInit2 succeeded */
	enum gzs_zstate zs;
	gzstream_sink *sink;       /* borrowed */
	void *arg;                 /* borrowed */
	unsigned char *buf;        /* kept input, < GZSTREAM_CHUNK bytes */
	size_t blen;
	unsigned char *out;        /* zlib's output; z.next_out points in */
	uint32_t crc;              /* CRC-32 of the input so far (RFC 1952) */
	int storing;               /* the mode: storing or deflating */
	unsigned run;              /* chunks stored since the last trial */
	unsigned retry, wait;      /* see the comment at the top */
	int finished;
	int status;                /* first error, -errno; then dead */
	struct gzstream_stats st;
	uint32_t lg[GZS_SAMPLE + 1]; /* c * log2(c), 16.16 fixed point */
	char err[160];
};

static int fail(struct gzstream *g, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct gzstream *g, int err, const char *fmt, ...)
{
	va_list ap;

	if (g->status)
		return g->status;
	va_start(ap, fmt);
	vsnprintf(g->err, sizeof(g->err), fmt, ap);
	va_end(ap);
	g->status = err < 0 ? err : -EIO;
	return g->status;
}

static int zfail(struct gzstream *g, int zr, const char *what)
{
	return fail(g, zr == Z_MEM_ERROR ? -ENOMEM : -EIO, "%s: %s (zlib %d)",
		    what, g->z.msg ? g->z.msg : "error", zr);
}

/* log2(x) in 16.16 fixed point, x >= 1, without libm: square the
 * mantissa, one bit of the result per squaring. */
static uint32_t log2_q16(uint32_t x)
{
	uint32_t r = 0, bit;
	uint64_t y;
	int e = 0;

	while ((x >> e) > 1)
		e++;
	r = (uint32_t)e << 16;
	y = ((uint64_t)x << 30) >> e; /* mantissa in [1, 2), 2.30 */
	for (bit = 1u << 15; bit; bit >>= 1) {
		y = (y * y) >> 30;
		if (y >= (2ull << 30)) {
			y >>= 1;
			r |= bit;
		}
	}
	return r;
}

/* ---- CRC-32 ---- */

static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
	return libdeflate_crc32(crc, p, n);
}

/* ---- output ---- */

static int emit(struct gzstream *g, const struct iovec *iov, int n)
{
	int r, i;

	if (!n)
		return 0;
	r = g->sink(g->arg, iov, n);
	if (r)
		return fail(g, r, "output: %s", strerror(r < 0 ? -r : EIO));
	for (i = 0; i < n; i++)
		g->st.out += iov[i].iov_len;
	return 0;
}

/* Hands zlib's output buffer to the sink, and gives zlib the room again. */
static int emit_out(struct gzstream *g)
{
	struct iovec v = { g->out, (size_t)(g->z.next_out - g->out) };
	int r = emit(g, &v, v.iov_len ? 1 : 0);

	if (r)
		return r;
	g->z.next_out = g->out;
	g->z.avail_out = GZS_OUT;
	return 0;
}

/*
 * Runs deflate on what next_in holds with the given flush, emptying the
 * output buffer into the sink whenever it fills.  zlib.h: call again with
 * the same flush while avail_out comes back 0; a flush is complete when
 * it comes back non-zero; keep more than 6 bytes of room for the markers
 * of Z_SYNC_FLUSH.  Z_BUF_ERROR only says nothing was left to do.
 */
static int zrun(struct gzstream *g, int flush)
{
	for (;;) {
		int zr, r;

		if (g->z.avail_out < 16 && (r = emit_out(g)))
			return r;
		zr = deflate(&g->z, flush);
		if (zr == Z_STREAM_END && flush == Z_FINISH)
			return 0;
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return zfail(g, zr, "deflate");
		if (g->z.avail_out == 0)
			continue;
		if (flush != Z_FINISH && g->z.avail_in == 0)
			return 0;
		/* Room left, yet input or the end still due: zlib made no
		 * progress it could have made.  Never loop on it. */
		return zfail(g, zr, "deflate stalled");
	}
}

/* ---- the two ways of writing a chunk ---- */

static void crc_chunk(struct gzstream *g, const struct gzs_chunk *c)
{
	int i;

	for (i = 0; i < 2; i++)
		if (c->n[i])
			g->crc = crc_update(g->crc, c->p[i], c->n[i]);
}

/* Deflates a chunk; *cost is what it added to the stream. */
static int deflate_chunk(struct gzstream *g, const struct gzs_chunk *c, uint64_t *cost)
{
	unsigned pending = 0;
	int bits = 0, i, r, zr;
	uLong before;

	if (g->zs == ZS_DIRTY) {
		zr = deflateReset(&g->z);
		if (zr != Z_OK)
			return zfail(g, zr, "deflateReset");
		g->zs = ZS_CLEAN;
	}
	before = g->z.total_out;
	g->zs = ZS_ACTIVE;
	for (i = 0; i < 2; i++) {
		if (!c->n[i])
			continue;
		g->z.next_in = c->p[i];
		g->z.avail_in = (uInt)c->n[i];
		r = zrun(g, Z_NO_FLUSH);
		if (r)
			return r;
	}
	/* Ends the block without a marker, so the chunk's cost is exact. */
	r = zrun(g, Z_BLOCK);
	if (r)
		return r;
	zr = deflatePending(&g->z, &pending, &bits);
	if (zr != Z_OK)
		return zfail(g, zr, "deflatePending");
	*cost = (uint64_t)(g->z.total_out - before) + pending;
	crc_chunk(g, c);
	g->st.deflated++;
	return 0;
}

/* Writes a chunk as stored blocks, straight from where its bytes are. */
static int store_chunk(struct gzstream *g, const struct gzs_chunk *c)
{
	struct iovec iov[GZSTREAM_IOV_MAX];
	unsigned char hdr[GZS_BLOCKS][5];
	size_t nblk, per, left = c->len, off = 0;
	int k = 0, piece = 0, r;
	unsigned b;

	if (g->zs == ZS_ACTIVE) {
		/* zlib's blocks end, and the stream is byte-aligned. */
		r = zrun(g, Z_SYNC_FLUSH);
		if (r)
			return r;
		g->zs = ZS_DIRTY;
	}
	if (g->z.next_out != g->out)
		iov[k++] = (struct iovec){ g->out, (size_t)(g->z.next_out - g->out) };
	/* Blocks of equal size rather than 65535 + 65535 + 2. */
	nblk = (c->len + GZS_STORED_MAX - 1) / GZS_STORED_MAX;
	per = (c->len + nblk - 1) / nblk;
	for (b = 0; b < nblk; b++) {
		size_t want = left < per ? left : per;

		/* BFINAL 0, BTYPE 00, padding, LEN, NLEN: little-endian. */
		hdr[b][0] = 0;
		hdr[b][1] = (unsigned char)(want & 0xff);
		hdr[b][2] = (unsigned char)(want >> 8);
		hdr[b][3] = (unsigned char)(~want & 0xff);
		hdr[b][4] = (unsigned char)((~want >> 8) & 0xff);
		iov[k++] = (struct iovec){ hdr[b], 5 };
		left -= want;
		while (want) {
			size_t take = c->n[piece] - off;

			if (take > want)
				take = want;
			iov[k++] = (struct iovec){ (void *)(uintptr_t)(c->p[piece] + off), take };
			off += take;
			want -= take;
			if (off == c->n[piece]) {
				piece++;
				off = 0;
			}
		}
	}
	r = emit(g, iov, k);
	if (r)
		return r;
	g->z.next_out = g->out;
	g->z.avail_out = GZS_OUT;
	crc_chunk(g, c);
	g->st.stored++;
	return 0;
}

/* ---- the decision ---- */

/* Adds n bytes at offset off of the chunk to the histogram. */
static void histogram(const struct gzs_chunk *c, size_t off, size_t n, uint32_t h[256])
{
	int i;

	for (i = 0; i < 2 && n; i++) {
		const unsigned char *p;
		size_t k;

		if (off >= c->n[i]) {
			off -= c->n[i];
			continue;
		}
		p = c->p[i] + off;
		k = c->n[i] - off < n ? c->n[i] - off : n;
		n -= k;
		off = 0;
		while (k--)
			h[*p++]++;
	}
}

/* Whether a sample of the chunk says Huffman coding would pay: the
 * order-0 entropy of 4 windows spread over it, against GZS_ENTROPY_BITS.
 * H * N = N log2 N - sum(c log2 c), all in 16.16. */
static int probe(const struct gzstream *g, const struct gzs_chunk *c)
{
	uint32_t h[256] = { 0 };
	uint64_t sum = 0, hn;
	size_t n, i;

	if (c->len <= GZS_SAMPLE) {
		histogram(c, 0, c->len, h);
		n = c->len;
	} else {
		for (i = 0; i < GZS_WINDOWS; i++)
			histogram(c, (c->len - GZS_WINDOW) * i / (GZS_WINDOWS - 1),
				  GZS_WINDOW, h);
		n = GZS_SAMPLE;
	}
	if (!n)
		return 1;
	for (i = 0; i < 256; i++)
		sum += g->lg[h[i]];
	hn = (uint64_t)g->lg[n] - sum;
	return hn < (uint64_t)(GZS_ENTROPY_BITS * 65536.0) * n;
}

static int bad_ratio(uint64_t cost, size_t len)
{
	return cost * 100 > (uint64_t)len * GZS_STORE_PCT;
}

static unsigned twice(unsigned v, unsigned max)
{
	v = v ? 2 * v : 1;
	return v < max ? v : max;
}

/* Writes one chunk, deflated or stored, and settles the next one's mode. */
static int put_chunk(struct gzstream *g, const struct gzs_chunk *c)
{
	uint64_t cost;
	int r, by_probe;

	/* Only the last chunk can be this small: too small to judge, and
	 * cheap to deflate whatever it holds. */
	if (!g->storing || c->len < GZS_SAMPLE) {
		r = deflate_chunk(g, c, &cost);
		if (c->len < GZS_SAMPLE)
			return r;
		if (!r && bad_ratio(cost, c->len)) {
			g->storing = 1;
			g->run = 0;
			g->wait = 0;
			g->retry = GZS_RETRY_MIN;
		}
		return r;
	}
	g->run++;
	by_probe = g->run > g->wait && probe(g, c);
	if (!by_probe && g->run <= g->retry)
		return store_chunk(g, c);
	g->st.trials++;
	r = deflate_chunk(g, c, &cost);
	if (r)
		return r;
	if (!bad_ratio(cost, c->len)) {
		g->storing = 0;
		return 0;
	}
	g->st.failed++;
	g->run = 0;
	if (by_probe)
		g->wait = twice(g->wait, GZS_WAIT_MAX);
	else
		g->retry = twice(g->retry, GZS_RETRY_MAX);
	return 0;
}

/* ---- the interface ---- */

int gzstream_open(struct gzstream **out, int level, time_t mtime,
		  gzstream_sink *sink, void *arg)
{
	struct gzstream *g;
	uint32_t t = mtime > 0 && (uint64_t)mtime <= 0xffffffffu ? (uint32_t)mtime : 0;
	int zr, i;

	*out = NULL;
	if (level < 1 || level > 9 || !sink)
		return -EINVAL;
	*out = g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->sink = sink;
	g->arg = arg;
	g->storing = 1; /* the first chunk is probed */
	g->retry = GZS_RETRY_MIN;
	g->crc = 0; /* the CRC-32 of nothing */
	g->buf = malloc(GZSTREAM_CHUNK);
	g->out = malloc(GZS_OUT);
	if (!g->buf || !g->out)
		return fail(g, -ENOMEM, "out of memory");
	/* Raw deflate, zlib's defaults otherwise (32 KiB window, memLevel 8). */
	zr = deflateInit2(&g->z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	if (zr != Z_OK)
		return zfail(g, zr, "deflateInit2");
	g->zinit = 1;
	/* c log2 c <= 4096 * 12 << 16: fits 32 bits. */
	for (i = 1; i <= (int)GZS_SAMPLE; i++)
		g->lg[i] = (uint32_t)((uint64_t)i * log2_q16((uint32_t)i));
	/* The header: magic, deflate, no flags, mtime, XFL (4: fastest,
	 * 2: best, as gzip(1) and zlib write), OS 3 (Unix). */
	g->out[0] = 0x1f;
	g->out[1] = 0x8b;
	g->out[2] = 8;
	g->out[3] = 0;
	for (i = 0; i < 4; i++)
		g->out[4 + i] = (unsigned char)(t >> (8 * i));
	g->out[8] = level == 1 ? 4 : level == 9 ? 2 : 0;
	g->out[9] = 3;
	g->z.next_out = g->out + GZS_HEADER;
	g->z.avail_out = GZS_OUT - GZS_HEADER;
	return 0;
}

int gzstream_write(struct gzstream *g, const void *p, size_t n)
{
	const unsigned char *s = p;
	struct gzs_chunk c;
	int r;

	if (g->status)
		return g->status;
	if (g->finished)
		return fail(g, -EINVAL, "write after finish");
	if (!n)
		return 0;
	g->st.in += n;
	if (g->blen) {
		size_t k = GZSTREAM_CHUNK - g->blen;

		if (n < k) {
			memcpy(g->buf + g->blen, s, n);
			g->blen += n;
			return 0;
		}
		/* The kept bytes and the caller's, as one chunk: no copy. */
		c = (struct gzs_chunk){ { g->buf, s }, { g->blen, k }, GZSTREAM_CHUNK };
		r = put_chunk(g, &c);
		if (r)
			return r;
		g->blen = 0;
		s += k;
		n -= k;
	}
	for (; n >= GZSTREAM_CHUNK; s += GZSTREAM_CHUNK, n -= GZSTREAM_CHUNK) {
		c = (struct gzs_chunk){ { s, NULL }, { GZSTREAM_CHUNK, 0 }, GZSTREAM_CHUNK };
		r = put_chunk(g, &c);
		if (r)
			return r;
	}
	if (n)
		memcpy(g->buf, s, n);
	g->blen = n;
	return 0;
}

int gzstream_finish(struct gzstream *g)
{
	unsigned char *t;
	int r, zr, i;

	if (g->status)
		return g->status;
	if (g->finished)
		return fail(g, -EINVAL, "finished twice");
	g->finished = 1;
	if (g->blen) {
		struct gzs_chunk c = { { g->buf, NULL }, { g->blen, 0 }, g->blen };

		r = put_chunk(g, &c);
		if (r)
			return r;
		g->blen = 0;
	}
	/* The final block is zlib's: an empty one after our stored blocks. */
	if (g->zs == ZS_DIRTY) {
		zr = deflateReset(&g->z);
		if (zr != Z_OK)
			return zfail(g, zr, "deflateReset");
		g->zs = ZS_CLEAN;
	}
	g->z.next_in = NULL;
	g->z.avail_in = 0;
	r = zrun(g, Z_FINISH);
	if (r)
		return r;
	if (g->z.avail_out < 8 && (r = emit_out(g)))
		return r;
	/* The trailer: CRC-32 and the length mod 2^32, little-endian. */
	t = g->z.next_out;
	for (i = 0; i < 4; i++) {
		t[i] = (unsigned char)(g->crc >> (8 * i));
		t[4 + i] = (unsigned char)(g->st.in >> (8 * i));
	}
	g->z.next_out += 8;
	g->z.avail_out -= 8;
	return emit_out(g);
}

void gzstream_stats(const struct gzstream *g, struct gzstream_stats *st)
{
	*st = g->st;
}

const char *gzstream_error(const struct gzstream *g)
{
	return g ? g->err : "out of memory";
}

void gzstream_free(struct gzstream *g)
{
	if (!g)
		return;
	if (g->zinit)
		deflateEnd(&g->z);
	free(g->buf);
	free(g->out);
	free(g);
}
