/* record_net: a network namespace's members — its raw /proc/net tables, and the sockets one view hid from the other. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"
#include "procfs.h"

/* ["proc-net", "sock-diag"]: the views in bits. */
static void put_views(struct jsonw *j, const char *key, unsigned views)
{
	jsonw_aopen(j, key);
	if (views & SOCK_VIEW_PROC)
		jsonw_str(j, NULL, "proc-net");
	if (views & SOCK_VIEW_DIAG)
		jsonw_str(j, NULL, "sock-diag");
	jsonw_aclose(j);
}

/* One socket's line of the hidden member. */
static void put_socket(struct jsonw *j, const struct parse_sock *sk)
{
	jsonw_open(j, NULL);
	jsonw_uint(j, "inode", sk->ino);
	jsonw_str(j, "proto", sk->proto);
	jsonw_str(j, "local", sk->local);
	if (sk->remote[0])
		jsonw_str(j, "remote", sk->remote);
	jsonw_str(j, "state", sk->state);
	if (sk->type[0])
		jsonw_str(j, "socktype", sk->type);
	if (sk->peer)
		jsonw_uint(j, "peer", sk->peer);
	put_views(j, "views", sk->views);
	if (sk->hidden)
		put_views(j, "hidden", sk->hidden);
	jsonw_close(j);
}

/*
 * host/net/[INO/]hidden: the sockets one view hid, one per line, by kind
 * then inode (empty when none was; absent when sock_diag was not read).
 * The others are in the raw tables beside it; the fds that hold one
 * carry its peer and state.
 */
static int record_hidden(struct capture *c, const struct netview *v, const char *member)
{
	const struct parse_sock **all = NULL;
	struct buf out = BUF_INIT;
	struct jsonw j;
	size_t n = 0, i;
	int r = v->socks.nhidden ? sockets_sorted(&v->socks, &all, &n) : 0;

	for (i = 0; i < n && !r; i++) {
		if (!all[i]->hidden)
			continue;
		jsonw_init(&j, &out);
		put_socket(&j, all[i]);
		buf_putc(&out, '\n');
	}
	if (!r && buf_error(&out))
		r = -ENOMEM;
	if (!r) {
		r = snapwriter_add(c->w, member, out.data ? out.data : "", out.len, NULL);
		if (r)
			wfail(c, r, "%s", snapwriter_error(c->w));
	} else {
		wfail(c, r, "out of memory");
	}
	free(all);
	buf_free(&out);
	return r;
}

int record_netview(struct capture *c, struct netview *v, uint64_t ino, struct jsonw *list,
		   struct jsonw *errs)
{
	char member[96], what[96], dir[48];
	int i, r;

	if (ino)
		snprintf(dir, sizeof(dir), "host/net/%llu/", (unsigned long long)ino);
	else
		snprintf(dir, sizeof(dir), "host/net/");
	for (i = 0; i < NNET; i++) {
		/* sockets_tables[i] is "net/tcp": host/net/[INO/]tcp. */
		if (v->err[i]) {
			if (ino)
				snprintf(what, sizeof(what), "net namespace %llu: %s",
					 (unsigned long long)ino, sockets_tables[i]);
			record_error(c, errs, ino ? what : sockets_tables[i], v->err[i]);
			continue;
		}
		snprintf(member, sizeof(member), "%s%s", dir, sockets_tables[i] + 4);
		r = snapwriter_add(c->w, member, v->raw[i].data ? v->raw[i].data : "",
				   v->raw[i].len, NULL);
		if (r)
			return wfail(c, r, "%s", snapwriter_error(c->w));
		if (list)
			jsonw_str(list, NULL, member);
		buf_free(&v->raw[i]);
	}
	for (i = 0; i < NNET && !v->diag_step; i++) {
		if (!v->dump_err[i] || !ino)
			continue;
		snprintf(what, sizeof(what), "net namespace %llu: sock_diag %s",
			 (unsigned long long)ino, sockdiag_names[i]);
		record_error(c, errs, what, v->dump_err[i]);
	}
	if (ino && v->diag_step && v->diag_err) {
		snprintf(what, sizeof(what), "net namespace %llu: sock_diag %s",
			 (unsigned long long)ino, v->diag_step);
		record_error(c, errs, what, v->diag_err);
	}
	c->st.sockets_hidden += v->socks.nhidden;
	if (v->diag_step)
		return 0;
	snprintf(member, sizeof(member), "%shidden", dir);
	r = record_hidden(c, v, member);
	if (r)
		return r;
	if (list)
		jsonw_str(list, NULL, member);
	return 0;
}

void record_netview_status(struct jsonw *j, const struct netview *v)
{
	int i;

	jsonw_open(j, "sock_diag");
	jsonw_bool(j, "used", !v->diag_step);
	if (v->diag_step) {
		jsonw_str(j, "step", v->diag_step);
		if (v->diag_err) {
			jsonw_str(j, "errno", procfs_errname(v->diag_err));
			jsonw_str(j, "reason", procfs_reason(v->diag_err));
		}
	} else {
		jsonw_open(j, "dump_errors");
		for (i = 0; i < NNET; i++)
			if (v->dump_err[i])
				jsonw_str(j, sockdiag_names[i], procfs_errname(v->dump_err[i]));
		jsonw_close(j);
		jsonw_bool(j, "rechecked", v->rechecked);
		jsonw_uint(j, "hidden", v->socks.nhidden);
	}
	jsonw_close(j);
}
