/* jsonfast: JSON text to jansson values through simdjson, for the many small records a reader parses; jansson decides whatever it does not. */
#include <cstdint>
#include <cstring>
#include <new>

#include <simdjson.h>

#include "jsonfast.h"

/*
 * Everything here answers "not decided" (NULL, false) rather than guess:
 * json_loadb then parses the text again and builds it, or says what is
 * wrong in its own words.  The rules are in jsonfast.h.
 */

/* An object whose members are only checked (not built) is searched for
 * duplicate keys pair by pair: up to this many members. */
#define PAIRWISE_MAX 64

using simdjson::dom::element;
using simdjson::dom::element_type;

struct jsonfast {
	simdjson::dom::parser p;
};

struct jsonfast *jsonfast_new(void)
{
	return new (std::nothrow) jsonfast();
}

void jsonfast_free(struct jsonfast *jf)
{
	delete jf;
}

/* Valid UTF-8 once unescaped.  simdjson validated the text itself, and
 * refuses a lone surrogate escape (\ud800) as jansson does; were one to
 * pass in some version, its UTF-8 form would begin with 0xed, which a
 * string without that byte cannot hold: only those are checked again. */
static bool string_ok(std::string_view s)
{
	bool ed = false;

	/* Records are mostly short strings: a loop, memchr for the rest. */
	if (s.size() > 32)
		ed = std::memchr(s.data(), 0xed, s.size()) != nullptr;
	else
		for (unsigned char c : s)
			ed |= c == 0xed;
	return !ed || simdjson::validate_utf8(s.data(), s.size());
}

/* A key jansson takes: no NUL (it refuses those even with
 * JSON_ALLOW_NUL), valid UTF-8. */
static bool key_ok(std::string_view k)
{
	bool nul = false, ed = false;

	if (k.size() > 32)
		return !std::memchr(k.data(), 0, k.size()) && string_ok(k);
	for (unsigned char c : k) {
		nul |= c == 0;
		ed |= c == 0xed;
	}
	return !nul && (!ed || simdjson::validate_utf8(k.data(), k.size()));
}

/* A key told apart from others by its length and first 8 bytes; only
 * equal ones are compared whole. */
struct key_sig {
	std::string_view k;
	uint64_t head;
};

static key_sig sig(std::string_view k)
{
	key_sig g = { k, 0 };

	std::memcpy(&g.head, k.data(), k.size() < 8 ? k.size() : 8);
	return g;
}

static bool same_key(const key_sig &a, const key_sig &b)
{
	return a.head == b.head && a.k.size() == b.k.size() &&
	       (a.k.size() <= 8 || a.k == b.k);
}

/* e is what jansson would accept, without building it. */
static bool check(element e)
{
	switch (e.type()) {
	case element_type::OBJECT: {
		simdjson::dom::object o = e.get_object().value_unsafe();
		key_sig keys[PAIRWISE_MAX];
		size_t n = 0;

		if (o.size() > PAIRWISE_MAX)
			return false;
		for (simdjson::dom::key_value_pair kv : o) {
			if (!key_ok(kv.key) || !check(kv.value))
				return false;
			keys[n] = sig(kv.key);
			for (size_t i = 0; i < n; i++)
				if (same_key(keys[i], keys[n]))
					return false;
			n++;
		}
		return true;
	}
	case element_type::ARRAY: {
		/* (A named copy: the result that value_unsafe() comes from is
		 * a temporary.) */
		simdjson::dom::array a = e.get_array().value_unsafe();

		for (element x : a)
			if (!check(x))
				return false;
		return true;
	}
	case element_type::STRING:
		return string_ok(e.get_string().value_unsafe());
	case element_type::INT64:
	case element_type::BOOL:
	case element_type::NULL_VALUE:
		return true;
	default: /* UINT64 past INT64_MAX, DOUBLE */
		return false;
	}
}

static json_t *build(element e);

/* Sets key of o to v (taking v): false on a duplicate key, as json_loadb
 * with JSON_REJECT_DUPLICATES refuses it. */
static bool put(json_t *o, std::string_view key, json_t *v)
{
	size_t before = json_object_size(o);

	if (!v)
		return false;
	if (!key_ok(key)) {
		json_decref(v);
		return false;
	}
	/* (It takes v also when it fails.) */
	if (json_object_setn_new_nocheck(o, key.data(), key.size(), v))
		return false;
	return json_object_size(o) == before + 1;
}

static json_t *build_object(simdjson::dom::object src)
{
	json_t *o = json_object();

	if (!o)
		return nullptr;
	for (simdjson::dom::key_value_pair kv : src)
		if (!put(o, kv.key, build(kv.value))) {
			json_decref(o);
			return nullptr;
		}
	return o;
}

static json_t *build(element e)
{
	switch (e.type()) {
	case element_type::OBJECT:
		return build_object(e.get_object().value_unsafe());
	case element_type::ARRAY: {
		simdjson::dom::array src = e.get_array().value_unsafe();
		json_t *a = json_array();

		if (!a)
			return nullptr;
		for (element x : src)
			if (json_array_append_new(a, build(x))) {
				json_decref(a);
				return nullptr;
			}
		return a;
	}
	case element_type::STRING: {
		std::string_view s = e.get_string().value_unsafe();

		return string_ok(s) ? json_stringn_nocheck(s.data(), s.size()) : nullptr;
	}
	case element_type::INT64:
		return json_integer(e.get_int64().value_unsafe());
	case element_type::BOOL:
		return json_boolean(e.get_bool().value_unsafe());
	case element_type::NULL_VALUE:
		return json_null();
	default:
		return nullptr;
	}
}

/* The object src with its member keep alone (the rest checked by the caller). */
static json_t *build_only(simdjson::dom::object src, const char *keep)
{
	json_t *o = json_object();

	if (!o)
		return nullptr;
	for (simdjson::dom::key_value_pair kv : src)
		if (kv.key == keep && !put(o, kv.key, build(kv.value))) {
			json_decref(o);
			return nullptr;
		}
	return o;
}

static json_t *build_kept(element e, const char *keep)
{
	if (e.type() != element_type::OBJECT)
		return build(e);
	/* The duplicate check is pairwise here (check()): the members left
	 * out never reach a jansson object that would see them twice. */
	if (!check(e))
		return nullptr;
	return build_only(e.get_object().value_unsafe(), keep);
}

/* The top-level object, pruned: each prune entry met at most once. */
static json_t *build_top(simdjson::dom::object src, const struct jsonfast_prune *prune)
{
	json_t *o = json_object();
	uint64_t seen = 0;

	if (!o)
		return nullptr;
	for (simdjson::dom::key_value_pair kv : src) {
		const struct jsonfast_prune *p = prune;
		json_t *v;
		unsigned i;

		for (i = 0; p && p->key && i < 64 && kv.key != p->key; p++, i++)
			;
		if (!p || !p->key || i == 64) {
			v = build(kv.value);
		} else if (seen & (UINT64_C(1) << i)) {
			v = nullptr; /* a duplicate key */
		} else {
			seen |= UINT64_C(1) << i;
			if (!p->keep) {
				if (key_ok(kv.key) && check(kv.value))
					continue;
				v = nullptr;
			} else {
				v = build_kept(kv.value, p->keep);
			}
		}
		if (!put(o, kv.key, v)) {
			json_decref(o);
			return nullptr;
		}
	}
	return o;
}

json_t *jsonfast_load(struct jsonfast *jf, const char *text, size_t len,
		      const struct jsonfast_prune *prune)
{
	element e;

	/* A '{' first: no byte-order mark or other prefix simdjson might
	 * pass over, and the object is the whole text if it parses. */
	if (!jf || !len || len > JSONFAST_MAX || text[0] != '{')
		return nullptr;
	if (jf->p.parse(text, len).get(e) || e.type() != element_type::OBJECT)
		return nullptr;
	return build_top(e.get_object().value_unsafe(), prune);
}
