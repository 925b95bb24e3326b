/* snapview_tree: the order and depth of ps --tree, safe against hostile parent loops. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapview.h"

struct node {
	int pid;
	size_t idx;
};

static int by_pid(const void *a, const void *b)
{
	const struct node *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Position of pid in the sorted nodes, or n. */
static size_t find(const struct node *v, size_t n, int pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].pid == pid ? lo : n;
}

int snapview_tree(const int *pid, const int *ppid, size_t n, size_t *order,
		  unsigned *depth)
{
	struct node *v = malloc((n ? n : 1) * sizeof(*v));
	size_t *parent = malloc((n ? n : 1) * sizeof(*parent));
	size_t *first = calloc(n + 1, sizeof(*first));
	size_t *kids = malloc((n ? n : 1) * sizeof(*kids));
	size_t *stack = malloc((n ? n : 1) * sizeof(*stack));
	unsigned *dep = calloc(n ? n : 1, sizeof(*dep));
	bool *seen = calloc(n ? n : 1, sizeof(*seen));
	size_t i, k, out = 0, pass;
	int r = -ENOMEM;

	if (!v || !parent || !first || !kids || !stack || !dep || !seen)
		goto done;
	for (i = 0; i < n; i++)
		v[i] = (struct node){ pid[i], i };
	qsort(v, n, sizeof(*v), by_pid);
	/* Children lists, in pid order, in one array (counting sort). */
	for (i = 0; i < n; i++) {
		parent[i] = find(v, n, ppid[v[i].idx]);
		if (parent[i] == i)
			parent[i] = n;
		if (parent[i] < n)
			first[parent[i] + 1]++;
	}
	for (i = 0; i < n; i++)
		first[i + 1] += first[i];
	{
		size_t *fill = stack; /* borrowed as scratch before the walk */

		memcpy(fill, first, n * sizeof(*fill));
		for (i = 0; i < n; i++)
			if (parent[i] < n)
				kids[fill[parent[i]]++] = i;
	}
	/* Pass 0 starts from true roots; pass 1 from whatever a parent loop
	 * kept out of reach. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			size_t sp = 0;

			if (seen[i] || (pass == 0 && parent[i] < n))
				continue;
			seen[i] = true;
			dep[i] = 0;
			stack[sp++] = i;
			while (sp) {
				size_t x = stack[--sp];

				order[out] = v[x].idx;
				depth[out++] = dep[x];
				/* Pushed in reverse so the lowest pid comes out first. */
				for (k = first[x + 1]; k > first[x]; k--) {
					size_t c = kids[k - 1];

					if (seen[c])
						continue;
					seen[c] = true;
					dep[c] = dep[x] + 1;
					stack[sp++] = c;
				}
			}
		}
	}
	r = 0;
done:
	free(v);
	free(parent);
	free(first);
	free(kids);
	free(stack);
	free(dep);
	free(seen);
	return r;
}
