/* fsnotify: a pure parser of the marks in inotify and fanotify fds' fdinfo, and what they see.  No I/O. */
#ifndef PROCSNAP_FSNOTIFY_H
#define PROCSNAP_FSNOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The mark lines of /proc/PID/fdinfo/N (fs/notify/fdinfo.c), every number
 * in hex:
 *
 *   inotify wd:1 ino:a7c084 sdev:fe00000 mask:31 ignored_mask:0 fhandle-...
 *   fanotify ino:a7c084 sdev:fe00000 mflags:0 mask:21 ignored_mask:0 fhandle-...
 *   fanotify mnt_id:1b mflags:0 mask:20 ignored_mask:0
 *   fanotify sdev:fe00000 mflags:0 mask:8 ignored_mask:0
 *   fanotify mnt_ns:effffffb mflags:0 mask:1000000 ignored_mask:0
 *
 * sdev is the kernel's own dev_t (MAJOR << 20 | MINOR), which is not how
 * stat(2) encodes st_dev: fsnotify_dev() converts.  mnt_id is the same
 * mount id as fdinfo's and mountinfo's (printed there in decimal).
 */
enum fsnotify_on {
	FSNOTIFY_INODE,  /* a file or directory */
	FSNOTIFY_MOUNT,  /* every file of one mount (fanotify FAN_MARK_MOUNT) */
	FSNOTIFY_FS,     /* every file of one file system (FAN_MARK_FILESYSTEM) */
	FSNOTIFY_MNTNS,  /* mounts attached and detached in a mount namespace */
};

struct fsnotify_mark {
	bool fanotify;           /* else inotify */
	enum fsnotify_on on;
	uint32_t wd;             /* inotify: the watch descriptor */
	uint64_t ino;            /* INODE */
	uint32_t sdev;           /* INODE, FS: the kernel's s_dev */
	uint64_t mnt_id;         /* MOUNT */
	uint64_t mnt_ns;         /* MNTNS: the namespace's inode */
	uint32_t mflags;         /* fanotify: FAN_MARK_* flags of the mark */
	uint32_t mask, ignored_mask;
};

/*
 * Calls fn for every mark line of an fdinfo text.  Returns the number of
 * lines that begin like a mark ("inotify wd:", "fanotify ino:|mnt_id:|
 * sdev:|mnt_ns:") but could not be read: the caller records them.
 */
size_t fsnotify_parse_marks(const char *s, size_t n,
			    void (*fn)(const struct fsnotify_mark *m, void *arg), void *arg);

/* One line (without its newline).  0, -ENOENT (not a mark line) or -EINVAL. */
int fsnotify_parse_mark(const char *line, size_t n, struct fsnotify_mark *out);

/* The kernel's s_dev as stat(2) gives it: makedev(sdev >> 20, sdev & 0xfffff). */
dev_t fsnotify_dev(uint32_t sdev);

/* The events of mask that a read shows the watcher: an open, an access, a
 * close without writing (and fanotify's permission events, which also make
 * the reader wait for the watcher's answer). */
uint32_t fsnotify_read_events(const struct fsnotify_mark *m);
/* fanotify events that make the opener or reader wait for the watcher. */
uint32_t fsnotify_permission_events(const struct fsnotify_mark *m);

/* A mark on a directory reports the reads of its children, and of those
 * already unlinked from it: inotify unless IN_EXCL_UNLINK, fanotify only
 * with FAN_EVENT_ON_CHILD. */
bool fsnotify_sees_unlinked_children(const struct fsnotify_mark *m);
/* ... and the reads of the children it has: inotify always, fanotify only
 * with FAN_EVENT_ON_CHILD. */
bool fsnotify_sees_children(const struct fsnotify_mark *m);

/* Calls fn with the name of every bit of mask ("open", "close_nowrite",
 * "open_perm"; "0x40000000" for a bit it does not know). */
void fsnotify_mask_names(bool fanotify, uint32_t mask,
			 void (*fn)(const char *name, void *arg), void *arg);

#endif
