/* main.c — options and the choice of mode: the screen, headless batch, parse-only check,
 * resuming a checkpoint, viewing metrics files (a lab with no runs), or the benchmark.
 * Exit status: 0 ok, 1 runtime error, 2 usage or parse error. */
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gglab/bench.h"
#include "gglab/blas.h"
#include "gglab/cmd.h"
#include "gglab/lab.h"
#include "gglab/remote.h"
#include "gglab/sessions.h"
#include "gglab/store.h"
#include "gglab/ui.h"
#include "gglab/util.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

static void usage(FILE *out)
{
	fputs("usage: gglab [OPTIONS]                 the lab on screen, training the default setup\n"
	      "       gglab -x FILE [OPTIONS]         run a script on screen (you can take over)\n"
	      "       gglab --batch FILE [OPTIONS]    run a script headless\n"
	      "       gglab -c 'CMD; CMD' [OPTIONS]   run commands headless\n"
	      "       gglab --check FILE              only parse a script and report errors\n"
	      "       gglab --view FILE.jsonl.gz ...  compare finished metrics files on screen\n"
	      "       gglab --view FILE... -c 'CMDS'  run commands over them (report cmp.html)\n"
	      "       gglab --resume CHECKPOINT       continue a saved or autosaved session\n"
	      "       gglab --sessions                list the journals and autosaves kept\n"
	      "       gglab attach [SOCKET]           the screen of a lab running with --listen\n"
	      "       gglab bench [SECONDS [B ...]]   measure training throughput against sgemm\n"
	      "       gglab bench cnn [SECONDS|epoch [B ...]]  the same for the reference CNN\n"
	      "       COMMANDS | gglab                a script on standard input runs headless\n"
	      "\n"
	      "options:\n"
	      "  -b, --batch FILE     run FILE without the screen; progress lines on stderr\n"
	      "      --check FILE     parse FILE (and what it sources) without running it; of a\n"
	      "                       checkpoint, list what --resume would run (also: --resume\n"
	      "                       FILE --check)\n"
	      "  -c CMDS              run the commands CMDS (separated by ';') headless\n"
	      "  -x FILE              run FILE inside the screen\n"
	      "      --log FILE       stream every evaluation to FILE as gzip'd JSON lines\n"
	      "      --journal FILE   write the session's journal (a replayable script) to FILE\n"
	      "      --resume FILE    continue from a checkpoint (save, or the autosave on SIGHUP)\n"
	      "      --view FILE...   compare finished metrics files (--log, export jsonl) on screen\n"
	      "      --listen[=SOCKET] serve the lab on a UNIX socket for gglab attach (default:\n"
	      "                       $XDG_RUNTIME_DIR/gglab/PID.sock, else /tmp/gglab-UID/PID.sock)\n"
	      "      --max-memory N   the most one model or checkpoint may take (e.g. 2G; default:\n"
	      "                       the memory available when it is built)\n"
	      "      --seed N         seed of the first run (default 1)\n"
	      "      --threads auto|N BLAS threads (default auto: one, and a run training alone\n"
	      "                       splits its steps over the workers when that measures\n"
	      "                       faster, with the same bits); a replay needs\n"
	      "                       the same setting\n"
	      "      --workers N      runs stepped side by side, each on one core, or a lone run's\n"
	      "                       step split over them (default: one per core unless\n"
	      "                       --threads N > 1; results do not depend on it)\n"
	      "      --fps N          screen frames per second, at most (default 10)\n"
	      "      --ascii          draw plots with ASCII characters instead of braille\n"
	      "      --no-color       monochrome screen (also when NO_COLOR is set)\n"
	      "      --frames N       leave the screen after N frames (for tests)\n"
	      "      --sessions       list the journals and autosaves kept, with time, runs, steps\n"
	      "  -h, --help           this help\n"
	      "  -V, --version        print the version, the BLAS kernel and the CPU's capability\n"
	      "\n"
	      "Commands are listed by 'gglab -c help' and documented in gglab(1).\n",
	      out);
	char journals[3072], autosave[3072], err[GG_ERRLEN], note[4400];
	if (out != stdout) /* a usage error: the options are enough */
		return;
	if (gg_state_dir("journals", journals, sizeof journals, err) < 0 ||
	    gg_state_dir("autosave", autosave, sizeof autosave, err) < 0)
		return;
	fprintf(out, "\nfiles:\n"
		     "  %s/DATE-TIME.gg\n"
		     "      the journal of each screen session (the newest %d are kept)\n"
		     "  %s/DATE-TIME-PID.gglab\n"
		     "      the checkpoint saved on SIGHUP or SIGTERM (the newest %d are kept)\n",
		journals, SESSIONS_KEEP_JOURNALS, autosave, SESSIONS_KEEP_AUTOSAVES);
	if (sessions_autosave_note(note, sizeof note, 0))
		fprintf(out, "  %s\n", note);
}

static void print_error(void *arg, const char *msg)
{
	int *n = arg;
	fprintf(stderr, "gglab: %s\n", msg);
	(*n)++;
}

static int parse_positive(const char *opt, const char *s, long lo, long hi, long *out)
{
	char err[GG_ERRLEN];
	if (cmd_parse_long(opt, s, lo, hi, out, err) < 0) {
		fprintf(stderr, "gglab: %s\n", err);
		return -1;
	}
	return 0;
}

/* The signals a session handles itself, blocked (before the trainer thread starts, which
 * inherits the mask and so never takes them) or unblocked again on this thread. */
static void block_signals(int how)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGTSTP); /* the screen suspends itself (endwin first) */
	sigaddset(&set, SIGCONT);
	pthread_sigmask(how, &set, NULL);
}

/* --view FILE...: finished metrics files on the screen (or summarized, headless); with -c,
 * headless, the commands run over them (`report cmp.html`, `export svg loss.svg`). */
static remote_server *listen_on(const char *path, char *err);

/* srv: the socket of --listen, or NULL (served while the screen shows the files) */
static int view_files(int n, char **files, const char *cmds, lab_options *lo, ui_options *uo,
		      remote_server *srv)
{
	char err[GG_ERRLEN];
	if (n < 1) {
		fprintf(stderr, "gglab: --view needs one or more metrics files (.jsonl or .jsonl.gz)\n");
		remote_close(srv);
		return EXIT_USAGE;
	}
	cmd_list script = { 0 };
	if (cmds) {
		int nerr = 0;
		cmd_parse_line(cmds, "-c", &script, print_error, &nerr);
		if (nerr) {
			fprintf(stderr, "gglab: %d error%s; nothing was run\n", nerr, nerr > 1 ? "s" : "");
			cmd_list_free(&script);
			remote_close(srv);
			return EXIT_USAGE;
		}
	}
	lo->batch = cmds || !isatty(STDOUT_FILENO);
	lab *L = lab_new(lo, err);
	if (!L) {
		fprintf(stderr, "gglab: %s\n", err);
		remote_close(srv);
		return EXIT_RUNTIME;
	}
	for (int i = 0; i < n; i++)
		if (store_view_load(lab_series(L), files[i], err) < 0) {
			fprintf(stderr, "gglab: %s\n", err);
			lab_free(L);
			remote_close(srv);
			return EXIT_RUNTIME;
		}
	int status = 0;
	if (cmds) {
		block_signals(SIG_BLOCK);
		if (lab_start(L, err) < 0) {
			fprintf(stderr, "gglab: %s\n", err);
			lab_free(L);
			cmd_list_free(&script);
			remote_close(srv);
			return EXIT_RUNTIME;
		}
		block_signals(SIG_UNBLOCK);
		status = ui_batch(L, &script, 0, 0);
	} else if (lo->batch) {
		ui_summary(L, stdout);
	} else {
		char note[256];
		snprintf(note, sizeof note, "viewing %d file%s (%d run%s)", n, n == 1 ? "" : "s",
			 series_nruns(lab_series(L)), series_nruns(lab_series(L)) == 1 ? "" : "s");
		uo->idle = 1;
		uo->note = note;
		block_signals(SIG_BLOCK);
		uo->listen = srv ? remote_server_path(srv) : NULL;
		if (lab_start(L, err) < 0 || (srv && remote_start(srv, L, note, err) < 0)) {
			fprintf(stderr, "gglab: %s\n", err);
			remote_close(srv);
			lab_free(L);
			return EXIT_RUNTIME;
		}
		cmd_list none = { 0 };
		ui_lab local = ui_local_lab(L);
		status = ui_tui(&local, &none, uo);
	}
	remote_close(srv); /* (a headless view only prints a summary: nothing to serve) */
	lab_free(L);
	cmd_list_free(&script);
	return status;
}

/* --check CHECKPOINT: loads it as --resume would (every field checked, its data loaded,
 * its commands parsed as a script's) and lists what it would run; nothing runs. */
static int check_checkpoint(const char *path, lab_options *lo)
{
	char err[GG_ERRLEN];
	lo->batch = 1;
	lo->journal_path = lo->log_path = NULL;
	lab *L = lab_new(lo, err);
	int headless;
	if (!L || lab_resume(L, path, &headless, err) < 0) {
		fprintf(stderr, "gglab: %s\n", err);
		lab_free(L);
		return EXIT_RUNTIME;
	}
	printf("%s: ok, a checkpoint of %s\n", path, headless ? "a headless session" : "a screen session");
	lab_list(L, stdout);
	lab_free(L);
	return 0;
}

/* gglab attach [SOCKET]: the screen of a lab that runs elsewhere (--listen). Without a
 * socket, the user's only running lab, or a list of them to choose from. */
static int attach(int argc, char **argv, ui_options *uo)
{
	char err[GG_ERRLEN], path[REMOTE_PATH_MAX];
	if (argc > 1) {
		fprintf(stderr, "gglab: attach takes one socket (gglab attach alone lists your labs)\n");
		return EXIT_USAGE;
	}
	if (argc == 1) {
		snprintf(path, sizeof path, "%s", argv[0]);
	} else {
		remote_lab found[16];
		int n = remote_find(found, 16);
		if (n == 0) {
			fprintf(stderr, "gglab: no lab of yours is listening; start one with --listen (e.g. "
					"gglab --batch FILE --listen), or give its socket: gglab attach SOCKET\n");
			return EXIT_RUNTIME;
		}
		if (n > 1) {
			fprintf(stderr, "gglab: %d labs of yours are listening; choose one with gglab attach "
					"SOCKET:\n", n);
			for (int i = 0; i < n && i < 16; i++) {
				char what[512];
				remote_describe(found[i].pid, what, sizeof what);
				fprintf(stderr, "  %s  %s\n", found[i].path, what);
			}
			return EXIT_USAGE;
		}
		snprintf(path, sizeof path, "%s", found[0].path);
	}
	if (ui_check_terminal(err, sizeof err) < 0) {
		fprintf(stderr, "gglab: %s\n", err);
		return EXIT_USAGE;
	}
	remote_client *c = remote_connect(path, err);
	if (!c) {
		fprintf(stderr, "gglab: %s\n", err);
		return EXIT_RUNTIME;
	}
	char note[1400];
	snprintf(note, sizeof note, "attached to %s as viewer %d (%s): q or F10 detaches, quit stops the lab",
		 path, remote_client_viewer(c), remote_client_what(c));
	uo->idle = 1;
	uo->note = note;
	ui_lab l = remote_client_lab(c);
	cmd_list none = { 0 };
	int status = ui_tui(&l, &none, uo);
	if (remote_client_ended(c)[0])
		fprintf(stderr, "gglab: %s: %s\n", path, remote_client_ended(c));
	else
		fprintf(stderr, "gglab: detached from %s; the lab goes on (gglab attach %s comes back)\n",
			path, path);
	remote_client_free(c);
	return status;
}

/* --listen: the socket, bound before anything is written (a refusal leaves no journal). */
static remote_server *listen_on(const char *path, char *err)
{
	char dflt[REMOTE_PATH_MAX];
	if (!path) {
		if (remote_default_path(dflt, sizeof dflt, err) < 0)
			return NULL;
		path = dflt;
	}
	remote_server *srv = remote_listen(path, err);
	if (srv)
		fprintf(stderr, "gglab: listening on %s (watch and steer it: gglab attach %s)\n",
			remote_server_path(srv), remote_server_path(srv));
	return srv;
}

/* The hello's description of this lab: its process and command line. */
static void describe_self(int argc, char **argv, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "pid %ld:", (long)getpid());
	for (int i = 0; i < argc && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, " %s", argv[i]);
}

int main(int argc, char **argv)
{
	blas_startup(argv); /* may re-execute gglab with a better BLAS kernel */
	ui_commands_register(); /* the screen's commands, known in every mode */
	if (argc == 2 && !strcmp(argv[1], "--sgemm-rate"))
		return bench_sgemm_child();
	enum { OPT_CHECK = 256, OPT_LOG, OPT_SEED, OPT_THREADS, OPT_FPS, OPT_ASCII, OPT_NOCOLOR,
	       OPT_FRAMES, OPT_JOURNAL, OPT_RESUME, OPT_VIEW, OPT_WORKERS, OPT_MAXMEM, OPT_SESSIONS, OPT_LISTEN };
	static const struct option longopts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "check", required_argument, NULL, OPT_CHECK },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "fps", required_argument, NULL, OPT_FPS },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ "no-color", no_argument, NULL, OPT_NOCOLOR },
		{ "frames", required_argument, NULL, OPT_FRAMES },
		{ "journal", required_argument, NULL, OPT_JOURNAL },
		{ "resume", required_argument, NULL, OPT_RESUME },
		{ "view", no_argument, NULL, OPT_VIEW },
		{ "max-memory", required_argument, NULL, OPT_MAXMEM },
		{ "sessions", no_argument, NULL, OPT_SESSIONS },
		{ "listen", optional_argument, NULL, OPT_LISTEN },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const char *batch_file = NULL, *check_file = NULL, *cmds = NULL, *screen_file = NULL;
	const char *resume = NULL;
	int view = 0, listen = 0;
	const char *listen_path = NULL;
	/* BLAS threads chosen per round unless told otherwise (--threads auto): one for small
	 * products and for runs side by side, all cores for a large run alone. */
	lab_options lo = { .seed = 1, .threads = 0, .ops = &cmd_lab_ops };
	ui_options uo = { .fps = 10, .color = getenv("NO_COLOR") == NULL };
	long v;
	int c;
	/* `--resume CHECKPOINT --check`: a --check with no file of its own (last, or before
	 * another option) checks the checkpoint, as --check CHECKPOINT does */
	int check_resume = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--check") &&
		    (i + 1 == argc || (argv[i + 1][0] == '-' && argv[i + 1][1]))) {
			check_resume = 1;
			memmove(argv + i, argv + i + 1, (size_t)(argc - i) * sizeof *argv);
			argc--;
			break;
		}
	}
	while ((c = getopt_long(argc, argv, "+b:c:x:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': batch_file = optarg; break;
		case OPT_CHECK: check_file = optarg; break;
		case 'c': cmds = optarg; break;
		case 'x': screen_file = optarg; break;
		case OPT_LOG: lo.log_path = optarg; break;
		case OPT_JOURNAL: lo.journal_path = optarg; break;
		case OPT_RESUME: resume = optarg; break;
		case OPT_VIEW: view = 1; break;
		case OPT_LISTEN: listen = 1; listen_path = optarg; break;
		case OPT_MAXMEM: {
			char *end;
			double b = strtod(optarg, &end);
			const char *units = "KMGT";
			const char *u = *end ? strchr(units, *end) : NULL;
			for (int k = u ? (int)(u - units) + 1 : 0; k > 0; k--)
				b *= 1024;
			if (end == optarg || (*end && (!u || end[1])) || !(b >= 1 << 20 && b <= 1e18)) {
				fprintf(stderr, "gglab: --max-memory=%s: give bytes with K, M, G or T, from 1M\n",
					optarg);
				return EXIT_USAGE;
			}
			gg_mem_set_limit((size_t)b);
			break;
		}
		case OPT_SEED:
			if (parse_positive("--seed", optarg, 0, 2147483647L, &v) < 0)
				return EXIT_USAGE;
			lo.seed = (uint64_t)v;
			break;
		case OPT_THREADS:
			if (!strcmp(optarg, "auto"))
				v = 0;
			else if (parse_positive("--threads", optarg, 1, 256, &v) < 0)
				return EXIT_USAGE;
			lo.threads = (int)v;
			break;
		case OPT_WORKERS:
			if (parse_positive("--workers", optarg, 1, 256, &v) < 0)
				return EXIT_USAGE;
			lo.workers = (int)v;
			break;
		case OPT_FPS:
			if (parse_positive("--fps", optarg, 1, 60, &v) < 0)
				return EXIT_USAGE;
			uo.fps = (int)v;
			break;
		case OPT_FRAMES:
			if (parse_positive("--frames", optarg, 1, 1L << 40, &v) < 0)
				return EXIT_USAGE;
			uo.frames = v;
			break;
		case OPT_ASCII: uo.ascii = 1; break;
		case OPT_SESSIONS: {
			char err[GG_ERRLEN];
			if (sessions_list(stdout, err) < 0) {
				fprintf(stderr, "gglab: %s\n", err);
				return EXIT_RUNTIME;
			}
			return 0;
		}
		case OPT_NOCOLOR: uo.color = 0; break;
		case 'h': usage(stdout); return 0;
		case 'V': {
			char b[320];
			blas_describe(b, sizeof b, lo.threads);
			printf("gglab %s\n%s\n", PACKAGE_VERSION, b);
			return 0;
		}
		default: usage(stderr); return EXIT_USAGE;
		}
	}

	char err[GG_ERRLEN];
	if (optind < argc && strcmp(argv[optind], "bench") == 0) {
		/* bench [cnn] [SECONDS|epoch] [B ...] */
		int cnn = optind + 1 < argc && !strcmp(argv[optind + 1], "cnn");
		int a = optind + 1 + cnn;
		bench_options bo = { .threads = lo.threads, .seconds = 3.0 };
		if (a < argc) {
			double s;
			if (cnn && !strcmp(argv[a], "epoch")) {
				bo.seconds = 0; /* one epoch, then the test accuracy */
			} else if (cmd_parse_double("SECONDS", argv[a], 0.1, 600, &s, err) < 0) {
				fprintf(stderr, "gglab: bench: %s\n", err);
				return EXIT_USAGE;
			} else {
				bo.seconds = s;
			}
		}
		int batches[16], nb = 0;
		for (int i = a + 1; i < argc && nb < 15; i++) {
			long b;
			if (parse_positive("batch size", argv[i], 1, 1 << 20, &b) < 0)
				return EXIT_USAGE;
			batches[nb++] = (int)b;
		}
		batches[nb] = 0;
		if (nb)
			bo.batches = batches;
		if (getenv("GGLAB_BENCH_SEED"))
			bo.seed = (unsigned)atoi(getenv("GGLAB_BENCH_SEED"));
		if ((cnn ? bench_cnn : bench_run)(&bo, stdout, err) < 0) {
			fprintf(stderr, "gglab: bench: %s\n", err);
			return EXIT_RUNTIME;
		}
		return 0;
	}
	if (optind < argc && strcmp(argv[optind], "attach") == 0) {
		if (listen || view || batch_file || check_file || cmds || screen_file || resume) {
			fprintf(stderr, "gglab: attach takes only screen options (--fps, --ascii, --no-color)\n");
			return EXIT_USAGE;
		}
		return attach(argc - optind - 1, argv + optind + 1, &uo);
	}
	if (view) {
		remote_server *srv = NULL;
		if (listen && isatty(STDOUT_FILENO) && !(srv = listen_on(listen_path, err))) {
			fprintf(stderr, "gglab: --listen: %s\n", err);
			return EXIT_RUNTIME;
		}
		return view_files(argc - optind, argv + optind, cmds, &lo, &uo, srv);
	}
	if (optind < argc) {
		fprintf(stderr, "gglab: unexpected argument '%s'%s\n", argv[optind],
			optind > 1 && !strcmp(argv[optind - 1], "--listen") ? " (a socket goes with "
									      "--listen=SOCKET)" : "");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!!batch_file + !!check_file + !!cmds + !!screen_file + !!resume > 1) {
		fprintf(stderr, "gglab: choose one of --batch, --check, -c, -x and --resume\n");
		return EXIT_USAGE;
	}

	if (check_resume && (!resume || check_file)) {
		fprintf(stderr, "gglab: --check needs a FILE: a script or checkpoint, or with "
				"--resume CHECKPOINT, that checkpoint\n");
		return EXIT_USAGE;
	}
	if (check_resume)
		return check_checkpoint(resume, &lo);
	if (check_file && store_ckpt_probe(check_file))
		return check_checkpoint(check_file, &lo);
	/* Parse everything before anything runs. */
	cmd_list script = { 0 };
	int nerr = 0;
	const char *file = check_file ? check_file : batch_file ? batch_file : screen_file;
	if (!file && !cmds && !resume && !isatty(STDIN_FILENO)) {
		file = "-";
		/* e.g. `ssh host gglab` without -t: no terminal, and nothing is coming */
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		if (poll(&p, 1, 1000) == 0)
			fprintf(stderr, "gglab: no terminal on standard input, so gglab waits for a script "
					"there; for the screen over SSH use ssh -t, or give --batch FILE\n");
	}
	if (file)
		cmd_parse_file(file, &script, print_error, &nerr);
	else if (cmds)
		cmd_parse_line(cmds, "-c", &script, print_error, &nerr);
	if (nerr) {
		fprintf(stderr, "gglab: %d error%s; nothing was run\n", nerr, nerr > 1 ? "s" : "");
		cmd_list_free(&script);
		return EXIT_USAGE;
	}
	if (check_file) {
		printf("%s: ok, %d command%s\n", check_file, script.n, script.n == 1 ? "" : "s");
		cmd_list_free(&script);
		return 0;
	}

	/* Without a terminal on stdout the screen would only garble a file: run as --batch. */
	int headless = batch_file || cmds || (file && !screen_file) || !isatty(STDOUT_FILENO);
	if (headless && !script.n && !resume) {
		fprintf(stderr, "gglab: nothing to run without a terminal: give --batch FILE, -c 'CMDS' "
				"or a script on standard input\n");
		return EXIT_USAGE;
	}
	/* The screen keeps a journal of the session unless told where; batch runs are already
	 * scripts, so they keep one only when asked. */
	char journal[4096], notice[4400];
	if (!headless && !resume && ui_check_terminal(err, sizeof err) < 0) {
		fprintf(stderr, "gglab: %s\n", err); /* before any file is written */
		cmd_list_free(&script);
		return EXIT_USAGE;
	}
	if (!headless && sessions_autosave_note(notice, sizeof notice, 1))
		uo.notice = notice;
	if (!headless && !lo.journal_path) {
		char dir[3072];
		if (gg_state_dir("journals", dir, sizeof dir, err) < 0) {
			fprintf(stderr, "gglab: %s (no journal will be kept)\n", err);
		} else {
			time_t now = time(NULL);
			char when[32];
			strftime(when, sizeof when, "%Y%m%d-%H%M%S", localtime(&now));
			snprintf(journal, sizeof journal, "%s/%s.gg", dir, when);
			lo.journal_path = journal;
			lo.journal_unique = 1;
		}
	}
	lo.batch = headless;
	remote_server *srv = NULL;
	if (listen) {
		if (!(srv = listen_on(listen_path, err))) {
			fprintf(stderr, "gglab: --listen: %s\n", err);
			cmd_list_free(&script);
			return EXIT_RUNTIME;
		}
		lo.listen_path = uo.listen = remote_server_path(srv);
	}
	const char *log_path = lo.log_path;
	if (resume) /* opened once the checkpoint is read: it may go on with that log */
		lo.log_path = NULL;
	lab *L = lab_new(&lo, err);
	if (!headless)
		sessions_prune();
	if (!L) {
		fprintf(stderr, "gglab: %s\n", err);
		cmd_list_free(&script);
		remote_close(srv);
		return EXIT_RUNTIME;
	}
	lab_first_run(L);
	char note[4200];
	if (resume) {
		int was_headless;
		if (lab_resume(L, resume, &was_headless, err) < 0) {
			fprintf(stderr, "gglab: cannot resume: %s\n", err);
			lab_free(L);
			remote_close(srv);
			return EXIT_RUNTIME;
		}
		if (log_path && lab_log_resume(L, log_path, err) < 0) {
			fprintf(stderr, "gglab: %s\n", err);
			lab_free(L);
			return EXIT_RUNTIME;
		}
		/* continue as the saved session ran: headless stays headless */
		headless = headless || was_headless;
		fprintf(stderr, "gglab: resumed from %s\n", resume);
		snprintf(note, sizeof note, "gglab: resumed from %s", resume);
		uo.idle = 1;
		uo.note = note;
	}
	/* Signals are blocked before the trainer thread starts, so that it inherits the block
	 * and never receives them; the main thread then takes them (the screen only while it
	 * waits for input, the batch printer at any time). */
	block_signals(SIG_BLOCK);
	char what[512];
	describe_self(argc, argv, what, sizeof what);
	if (lab_start(L, err) < 0 || (srv && remote_start(srv, L, what, err) < 0)) {
		fprintf(stderr, "gglab: %s\n", err);
		remote_close(srv);
		lab_free(L);
		cmd_list_free(&script);
		return EXIT_RUNTIME;
	}
	if (headless)
		block_signals(SIG_UNBLOCK);
	ui_lab local = ui_local_lab(L);
	int status = headless ? ui_batch(L, &script, resume != NULL, srv != NULL) : ui_tui(&local, &script, &uo);
	cmd_list_free(&script);
	remote_close(srv); /* the viewers are told the lab ended; the socket goes */
	if (lab_close_files(L, err) < 0) { /* a write that failed is never silent */
		fprintf(stderr, "gglab: %s\n", err);
		status = status ? status : EXIT_RUNTIME;
	}
	/* the whole replay command: the same seed and thread count give the same bits */
	char hint[4400] = "";
	if (lab_journal_path(L) && !headless) {
		char threads[16] = "auto";
		if (lo.threads > 0)
			snprintf(threads, sizeof threads, "%d", lo.threads);
		snprintf(hint, sizeof hint, "gglab: journal of this session: %s (replay: gglab --batch %s "
					    "--seed %llu --threads %s)\n", lab_journal_path(L),
			 lab_journal_path(L), (unsigned long long)lo.seed, threads);
	}
	lab_free(L);
	fputs(hint, stderr);
	return status;
}
