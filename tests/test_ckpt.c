/* test_ckpt.c — a checkpoint is untrusted input: files that pass the CRC but lie (a
 * rollback point on part -1000000, 100 000 schedule drops, a model of 784 inputs on data
 * of 2, bs 2^31, a PH ring of terabytes, …) and gzip bombs are refused with a message
 * naming what is wrong, and the lab that tried to load them is left as it was; a run
 * saved with other data than those loaded now is said. Each mutation rewrites a valid
 * checkpoint with a fresh CRC (store_ckpt_write), so the loader's checks are what is
 * tested, not the checksum. Pending PH estimates are saved, listed, made and checked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "gglab/store.h"
#include "gglab/util.h"
#include "labtest.h"
#include "test.h"

static char dir[64], base[160], bad[128];

/* The body of the record at tags[0]/tags[1]/… in the payload, or NULL. */
static unsigned char *find(unsigned char *p, size_t n, const char *const *tags, size_t *len)
{
	gg_reader rd = { .p = p, .n = n }, body;
	char tag[64];
	while (store_rec_next(&rd, tag, sizeof tag, &body) > 0) {
		if (strcmp(tag, tags[0]) != 0)
			continue;
		unsigned char *b = p + (body.p - p);
		if (!tags[1]) {
			*len = body.n;
			return b;
		}
		return find(b, body.n, tags + 1, len);
	}
	return NULL;
}

/* Writes bad: base with the record at path (tags separated by '/') replaced by n bytes at
 * v (same length), or its first 8 bytes when off >= 0 (at that offset). */
static int mutate(const char *path, size_t off, const void *v, size_t n)
{
	char *text, err[GG_ERRLEN];
	unsigned char *payload;
	size_t len, blen;
	if (store_ckpt_read(base, &text, &payload, &len, err) < 0)
		return -1;
	char buf[256];
	const char *tags[8];
	int nt = 0;
	snprintf(buf, sizeof buf, "%s", path);
	for (char *t = strtok(buf, "/"); t && nt < 7; t = strtok(NULL, "/"))
		tags[nt++] = t;
	tags[nt] = NULL;
	unsigned char *b = find(payload, len, tags, &blen);
	int rc = -1;
	if (b && off + n <= blen) {
		memcpy(b + off, v, n);
		rc = store_ckpt_write(bad, text, payload, len, err);
	}
	free(text);
	free(payload);
	return rc;
}

static int mutate_i64(const char *path, int64_t v)
{
	return mutate(path, 0, &v, 8);
}

static int mutate_f64(const char *path, double v)
{
	return mutate(path, 0, &v, 8);
}

static void drain(lab *L, char *buf, size_t len)
{
	lab_msg m;
	size_t n = 0;
	buf[0] = 0;
	while (lab_next_msg(L, &m))
		if (n < len && m.kind != LAB_MSG_PROGRESS)
			n += (size_t)snprintf(buf + n, len - n, "%s\n", m.text);
}

/* Loading bad fails with a message holding want; L keeps its runs and step. */
static void refused(lab *L, const char *what, const char *want)
{
	char err[GG_ERRLEN] = "";
	int nruns = L->nruns;
	long step = lab_current(L)->step;
	int rc = lab_load(L, bad, err);
	CHECK(rc < 0, "%s: loaded", what);
	CHECK(strstr(err, want) != NULL, "%s: message '%s' lacks '%s'", what, err, want);
	CHECK(strncmp(err, bad, strlen(bad)) == 0, "%s: the file is named: %s", what, err);
	CHECK(L->nruns == nruns && lab_current(L)->step == step, "%s: the lab changed", what);
}

static void test_lies(lab *L)
{
	struct {
		const char *path;
		int real;
		double v;
		const char *want;
	} cases[] = {
		{ "run/snapshot/config/part", 0, -1000000, "part -1000000" },
		{ "run/config/part", 0, 5, "part 5 of 0" },
		{ "run/config/parts", 0, 1000000, "part 0 of 1000000" },
		{ "run/config/sched.n", 0, 100000, "100000 schedule drops" },
		{ "run/config/sched.n", 0, -1, "-1 schedule drops" },
		{ "run/config/sched.factor", 1, 0, "schedule factor 0" },
		{ "run/config/model.in", 0, 784, "its model takes 784 inputs" },
		{ "run/config/model.classes", 0, 10, "and 10 classes" },
		{ "run/config/model.width", 0, 1 << 30, "width" },
		{ "run/config/bs", 1, 2147483648.0, "bs=2.14748e+09 is out of range" },
		{ "run/config/bs", 1, 201, "bs=201 is larger than the training set" },
		{ "run/config/eval", 1, -5, "eval=-5 is out of range" },
		{ "run/config/lr", 1, NAN, "lr=nan is out of range" },
		{ "run/config/opt.beta2", 1, 2, "optimizer" },
		{ "run/config/opt.kind", 0, 7, "optimizer" },
		{ "run/config/twin_group", 0, 3, "twin group 3 of 0" },
		{ "run/config/data.n", 0, -7, "its data" },
		{ "run/status/state", 0, 99, "status" },
		{ "run/status/goal", 1, 1e300, "status" },
		{ "run/state/step", 0, -1, "counters" },
		{ "run/state/last_eval", 0, 1L << 40, "counters" },
		{ "run/state/data.pos", 0, 1 << 30, "data position" },
		{ "run/snapshot/config/model.width", 0, 9, "rollback point" },
		{ "lab/twin_groups", 0, 1e9, "twin groups" },
		{ "lab/runs", 0, 1L << 40, "run count" },
		{ "lab/cur", 0, 5, "run count" },
		{ "sched/step", 0, -1, "scheduled commands" },
		{ "script/wait", 0, 7, "script" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int m = cases[i].real ? mutate_f64(cases[i].path, cases[i].v)
				      : mutate_i64(cases[i].path, (int64_t)cases[i].v);
		CHECK(m == 0, "%s: the record is there to change", cases[i].path);
		if (m == 0)
			refused(L, cases[i].path, cases[i].want);
	}
	/* the PH ring's size: 100 000 iterates of 2000 dimensions is not in the file */
	uint64_t cap = 100000, dim = 2000;
	CHECK(mutate("run/phdim", 8, &cap, 8) == 0, "phdim record");
	refused(L, "PH ring capacity", "corrupt PH dimension state");
	CHECK(mutate("run/phdim", 16, &dim, 8) == 0, "phdim record");
	refused(L, "PH ring dimension", "corrupt PH dimension state");
	/* a command that does not parse */
	char junk[] = "frobn";
	CHECK(mutate("sched/text", 0, junk, 5) == 0, "sched text");
	refused(L, "a scheduled command", "does not parse");
	/* a command that parses but that a script could not hold: checked as a script's */
	char bad_lr[] = "set lr -1.0";
	CHECK(mutate("sched/text", 0, bad_lr, 11) == 0, "sched text");
	refused(L, "a scheduled command out of range", "lr=-1.0 is out of range");
}

/* The data a run was saved with, against those loaded now. */
static void test_identity(lab *L)
{
	char err[GG_ERRLEN], msgs[4096];
	CHECK(mutate_i64("run/data.identity/train", 999) == 0, "identity");
	refused(L, "other training-set size", "saved with 999 training and 1000 test examples");
	CHECK(mutate_i64("run/data.identity/crc32", 0x12345678) == 0, "identity");
	drain(L, msgs, sizeof msgs);
	CHECK(lab_load(L, bad, err) == 0, "other examples of the same size load: %s", err);
	drain(L, msgs, sizeof msgs);
	CHECK(strstr(msgs, "saved with other data than those loaded now") != NULL, "said: %s", msgs);
	CHECK(strstr(msgs, "12345678") != NULL, "the saved CRC is named: %s", msgs);
	CHECK(lab_load(L, base, err) == 0, "the real one: %s", err);
	drain(L, msgs, sizeof msgs);
	CHECK(strstr(msgs, "other data") == NULL, "the right data say nothing: %s", msgs);
}

/* A header (magic, version, byte order, text) and then plen bytes of zeros, gzip'd. */
static void write_bomb(const char *path, uint64_t plen, uint64_t zeros)
{
	gzFile gz = gzopen(path, "wb9");
	uint32_t version = STORE_CKPT_VERSION, bom = 0x01020304u;
	uint64_t tlen = 4;
	gzwrite(gz, "GGLABCKP", 8);
	gzwrite(gz, &version, 4);
	gzwrite(gz, &bom, 4);
	gzwrite(gz, &tlen, 8);
	gzwrite(gz, "bomb", 4);
	gzwrite(gz, &plen, 8);
	static char z[1 << 16];
	for (uint64_t done = 0; done < zeros; done += sizeof z)
		gzwrite(gz, z, (unsigned)(zeros - done < sizeof z ? zeros - done : sizeof z));
	gzclose(gz);
}

static void test_bombs(lab *L)
{
	char path[160], err[GG_ERRLEN], *text;
	unsigned char *payload;
	size_t n;
	snprintf(path, sizeof path, "%s/bomb.gglab", dir);
	/* 5 GiB promised by a file of a few kilobytes: refused before anything is read */
	write_bomb(path, 5ULL << 30, 1 << 20);
	double t0 = gg_now();
	CHECK(store_ckpt_read(path, &text, &payload, &n, err) < 0, "a 5 GiB bomb is refused");
	CHECK(strstr(err, "5.0 GiB of run data, more than a file of") != NULL, "message: %s", err);
	CHECK(gg_now() - t0 < 1, "at once (%.2f s)", gg_now() - t0);
	CHECK(lab_load(L, path, err) < 0 && strstr(err, path) == err, "lab_load names it: %s", err);
	/* 64 MiB of zeros (really there) with 16 MiB of memory: the memory bound */
	write_bomb(path, 64ULL << 20, 64ULL << 20);
	gg_mem_set_limit(16 << 20);
	CHECK(store_ckpt_read(path, &text, &payload, &n, err) < 0, "more than the memory bound");
	CHECK(strstr(err, "64.0 MiB, more than the memory available (16.0 MiB") != NULL, "message: %s",
	      err);
	/* and a real checkpoint under a bound smaller than it: refused, named */
	gg_mem_set_limit(4096);
	CHECK(lab_load(L, base, err) < 0, "a model larger than the bound");
	CHECK(strstr(err, "more than the memory available") != NULL, "message: %s", err);
	gg_mem_set_limit(0);
	CHECK(lab_load(L, base, err) == 0, "without the bound it loads: %s", err);
	unlink(path);
}

/* PH estimates asked for and not made (here stopped by inst_phdim_cancel, as by a signal
 * before an autosave) go into the checkpoint with their points: the loading lab lists
 * them, makes them, and refuses a file that lies about them. */
static void test_phjobs(void)
{
	char path[160], err[GG_ERRLEN], msgs[8192];
	snprintf(path, sizeof path, "%s/ph.gglab", dir);
	lab *A = new_lab_opts(1, NULL);
	CHECK(run_cmds(A, "data xor n=200; model mlp 8x1; set bs 20; train 40; phdim on n=40 k=4; "
			  "train 60") == 0, "setup: %s", last_err);
	atomic_store(&A->ph_cancel, 1);
	char cmds[256];
	snprintf(cmds, sizeof cmds, "phdim now; save %s", path);
	CHECK(run_cmds(A, cmds) == 0, "phdim now; save: %s", last_err);
	drain(A, msgs, sizeof msgs);
	CHECK(strstr(msgs, "cancelled") == NULL && strstr(msgs, "PH dimension: ") == NULL,
	      "the stopped estimate is not reported: %s", msgs);
	lab_free(A);

	lab *B = new_lab_opts(1, NULL);
	CHECK(lab_load(B, path, err) == 0, "load: %s", err);
	char *list = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&list, &len);
	lab_list(B, f);
	fclose(f);
	CHECK(strstr(list, "pending PH estimate of r1 at step 100: 40 iterates of 4 dimensions") != NULL,
	      "listed: %s", list);
	free(list);
	drain(B, msgs, sizeof msgs);
	lab_round(B); /* the trainer queues it */
	inst_phdim_wait(B);
	drain(B, msgs, sizeof msgs);
	CHECK(strstr(msgs, "r1: PH dimension") != NULL && strstr(msgs, "@ step 100") != NULL,
	      "the loading lab makes it: %s", msgs);

	char keep[160];
	snprintf(keep, sizeof keep, "%s", base);
	snprintf(base, sizeof base, "%s", path);
	CHECK(mutate_i64("phjobs/job/run", 7) == 0, "phjobs record");
	refused(B, "a pending estimate of run 7", "corrupt: pending PH estimate 1");
	CHECK(mutate_i64("phjobs/job/n", 100000) == 0, "phjobs record");
	refused(B, "a pending estimate of more points than the file has", "pending PH estimate");
	CHECK(mutate_i64("phjobs/job/dim", 0) == 0, "phjobs record");
	refused(B, "a pending estimate of 0 dimensions", "pending PH estimate");
	snprintf(base, sizeof base, "%s", keep);
	lab_free(B);
	unlink(path);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/gglab-ckpt.%d", (int)getpid());
	CHECK(mkdir(dir, 0700) == 0, "mkdir %s", dir);
	snprintf(base, sizeof base, "%s/base.gglab", dir);
	snprintf(bad, sizeof bad, "%s/bad.gglab", dir);
	lab *L = new_lab_opts(1, NULL);
	char cmds[512];
	snprintf(cmds, sizeof cmds,
		 "data xor n=200; model mlp 8x1; opt sgd lr=0.05 drops=5,9; set bs 20; train 40; "
		 "phdim on n=40 k=4; train 60; at 500 set lr 0.01; save %s", base);
	CHECK(run_cmds(L, cmds) == 0, "setup: %s", last_err);
	CHECK(lab_current(L)->snap != NULL, "the run has a rollback point");
	CHECK(lab_current(L)->ph != NULL, "and a PH ring");
	test_lies(L);
	test_identity(L);
	test_bombs(L);
	lab_free(L);
	test_phjobs();
	unlink(base);
	unlink(bad);
	rmdir(dir);
	return test_report();
}
