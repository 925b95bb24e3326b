/* record_ns: a process's namespaces, cgroup and container, and each network namespace's tables. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "capture_int.h"
#include "parse.h"

/* Writes a netns's tables (the first time) and returns its sockets;
 * procsnap's own when the namespace is unknown.  Waits for a collector
 * still reading them. */
static int use_netns(struct capture *c, uint64_t ino, const struct sockets **out)
{
	struct netns *ns = NULL;

	*out = &c->ownnet.socks;
	if (!ino || ino == c->own_net)
		return 0;
	pthread_mutex_lock(&c->nsmu);
	ns = u64map_get(&c->netns, ino, 0);
	while (ns && !ns->ready)
		pthread_cond_wait(&c->nscv, &c->nsmu);
	pthread_mutex_unlock(&c->nsmu);
	if (!ns)
		return 0; /* cannot happen: the collector claimed it first */
	*out = &ns->v.socks;
	if (ns->written)
		return 0;
	ns->written = true;
	c->st.net_namespaces++;
	return record_netview(c, &ns->v, ino, NULL, &c->errs);
}

/* ns, nspid, cgroup and container: what a process shares with others. */
int record_namespaces(struct capture *c, struct batch *b, bool have_status)
{
	struct proc_item *p = &b->proc;
	struct jsonw *j = &c->j;
	struct parse_container pc;
	int64_t nspid[MAX_NSPID];
	char member[96];
	bool any = false;
	int i, n, r;

	for (i = 0; i < NNS; i++)
		any = any || p->ns_ino[i];
	if (any) {
		jsonw_open(j, "ns");
		for (i = 0; i < NNS; i++)
			if (p->ns_ino[i])
				jsonw_uint(j, ns_names[i], p->ns_ino[i]);
		jsonw_close(j);
	}
	n = have_status ? parse_nspid(batch_text(b, &p->raw[1]), p->raw[1].len, nspid, MAX_NSPID)
			: -ENOENT;
	if (n > 0) {
		jsonw_aopen(j, "nspid");
		for (i = 0; i < n; i++)
			jsonw_int(j, NULL, nspid[i]);
		jsonw_aclose(j);
	}
	if (p->raw[5].ok &&
	    parse_container(batch_text(b, &p->raw[5]), p->raw[5].len, &pc) == 0) {
		jsonw_bytes(j, "cgroup", pc.path, strlen(pc.path));
		if (pc.id[0]) {
			jsonw_open(j, "container");
			jsonw_str(j, "runtime", pc.runtime);
			jsonw_bytes(j, "id", pc.id, strlen(pc.id));
			jsonw_close(j);
		}
	}
	if (p->mountinfo.ok) {
		snprintf(member, sizeof(member), "host/mnt/%llu/mountinfo",
			 (unsigned long long)p->ns_ino[NS_MNT]);
		r = snapwriter_add(c->w, member, batch_text(b, &p->mountinfo),
				   p->mountinfo.len, NULL);
		if (r)
			return wfail(c, r, "%s", snapwriter_error(c->w));
		c->st.mount_namespaces++;
		jsonw_str(j, "mountinfo", member);
	}
	return use_netns(c, p->ns_ino[NS_NET], &c->cur_socks);
}
