# fuzz.mk — the fuzz targets of tests/fuzz/ (included by Makefile.am).
#
# make check builds every target with the ordinary compiler against driver.c and replays
# its seed corpus (tests/fuzz/seeds.sh; the parser's target has its own main and test,
# tests/fuzzparse.sh), so the harnesses always build and the seeds pass.
#
# make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS='idx ckpt'] [FUZZ_JOBS=N] builds each target with
# clang and libFuzzer (-fsanitize=fuzzer,address,undefined; the library compiled again, with
# coverage, into fuzz-build/) and runs it for N seconds on a copy of its seeds, then prints
# one line per target: executions, coverage and features reached. The parser's inputs are
# cut at 256 bytes (-max_len): a line's grammar fits, a longer input is only more lines,
# each checked alone, and long lines and deep nesting are tests/fuzzparse.sh's; the other
# targets take libFuzzer's default (the largest seed). Any crash, leak, hang or
# sanitizer report fails it, with the input kept as fuzz-build/NAME/crash-* (replay it
# with fuzz-build/NAME/fuzz_NAME FILE). FUZZ_JOBS targets (one per core) run at a time,
# each on one thread, so every target still gets its FUZZ_SECONDS.
FUZZ_TARGETS = idx ckpt load view parse remote
FUZZ_SECONDS = 60
FUZZ_JOBS = $$(nproc 2>/dev/null || echo 1)
FUZZ_CC = clang
FUZZ_CFLAGS = -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_DIR = fuzz-build

FUZZ_REPLAY = tests/fuzz/replay_idx tests/fuzz/replay_ckpt tests/fuzz/replay_load tests/fuzz/replay_view \
	tests/fuzz/replay_remote
check_PROGRAMS += $(FUZZ_REPLAY)
fuzz_replay_cflags = $(AM_CFLAGS) -DGGLAB_SRCDIR='"$(abs_top_srcdir)"'
tests_fuzz_replay_idx_SOURCES = tests/fuzz/fuzz_idx.c tests/fuzz/driver.c
tests_fuzz_replay_idx_CFLAGS = $(fuzz_replay_cflags)
tests_fuzz_replay_idx_LDADD = $(GG_LIBS)
tests_fuzz_replay_ckpt_SOURCES = tests/fuzz/fuzz_ckpt.c tests/fuzz/driver.c
tests_fuzz_replay_ckpt_CFLAGS = $(fuzz_replay_cflags)
tests_fuzz_replay_ckpt_LDADD = $(GG_LIBS)
tests_fuzz_replay_load_SOURCES = tests/fuzz/fuzz_load.c tests/fuzz/driver.c
tests_fuzz_replay_load_CFLAGS = $(fuzz_replay_cflags)
tests_fuzz_replay_load_LDADD = $(GG_LIBS)
tests_fuzz_replay_view_SOURCES = tests/fuzz/fuzz_view.c tests/fuzz/driver.c
tests_fuzz_replay_view_CFLAGS = $(fuzz_replay_cflags)
tests_fuzz_replay_view_LDADD = $(GG_LIBS)
tests_fuzz_replay_remote_SOURCES = tests/fuzz/fuzz_remote.c tests/fuzz/driver.c
tests_fuzz_replay_remote_CFLAGS = $(fuzz_replay_cflags)
tests_fuzz_replay_remote_LDADD = $(GG_LIBS)
noinst_HEADERS += tests/fuzz/fuzz.h
EXTRA_DIST += tests/fuzz/fuzz.mk tests/fuzz/seeds.sh
TESTS += tests/fuzz/seeds.sh

# The library again, with clang and coverage, FUZZ_JOBS objects at a time; an object is
# rebuilt when its source or any header is newer.
fuzz-lib:
	@$(MKDIR_P) $(FUZZ_DIR)/obj; rm -f $(FUZZ_DIR)/failed
	@newest=$$(ls -t $(srcdir)/include/gglab/*.h $(srcdir)/src/*/*.h | head -n 1); \
	jobs=$(FUZZ_JOBS); n=0; \
	for src in $(libgglab_a_SOURCES); do \
		obj=$(FUZZ_DIR)/obj/$$(echo $$src | tr / _ | sed 's/\.c$$/.o/'); \
		if [ ! -f $$obj ] || [ $(srcdir)/$$src -nt $$obj ] || [ $$newest -nt $$obj ]; then \
			echo "  FUZZCC   $$src"; \
			{ $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DEFS) $(DEFAULT_INCLUDES) \
				$(AM_CPPFLAGS) $(CPPFLAGS) -c $(srcdir)/$$src -o $$obj || \
				{ rm -f $$obj; echo $$src >>$(FUZZ_DIR)/failed; }; } & \
			n=$$((n + 1)); if [ $$n -ge $$jobs ]; then wait; n=0; fi; \
		fi; \
	done; wait; \
	if [ -f $(FUZZ_DIR)/failed ]; then echo "fuzz-lib: these did not compile:" $$(cat $(FUZZ_DIR)/failed); exit 1; fi

fuzz: fuzz-lib
	@jobs=$(FUZZ_JOBS); n=0; \
	for t in $(FUZZ_TARGETS); do \
		( d=$(FUZZ_DIR)/$$t; $(MKDIR_P) $$d/corpus; rm -f $$d/summary; \
		echo "  FUZZLD   fuzz_$$t"; \
		$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_LIBFUZZER $(DEFS) $(DEFAULT_INCLUDES) \
			$(AM_CPPFLAGS) -DGGLAB_SRCDIR='"$(abs_top_srcdir)"' $(srcdir)/tests/fuzz/fuzz_$$t.c \
			$(FUZZ_DIR)/obj/*.o $(NCURSESW_LIBS) $(READLINE_LIBS) $(OPENBLAS_LIBS) $(ZLIB_LIBS) \
			$(LIBS) -lpthread -lm -o $$d/fuzz_$$t || { echo "fuzz $$t: FAILED to build" >$$d/summary; exit 1; }; \
		case $$t in parse) ml=-max_len=256 ;; *) ml= ;; esac; \
		echo "  FUZZ     $$t for $(FUZZ_SECONDS) s"; \
		( cd $$d && OPENBLAS_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=1 ./fuzz_$$t $$ml \
			-max_total_time=$(FUZZ_SECONDS) -timeout=30 -rss_limit_mb=2560 -print_final_stats=1 \
			corpus $(abs_top_srcdir)/tests/fuzz/corpus/$$t >log 2>&1 ); rc=$$?; \
		execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$d/log); \
		cov=$$(grep -E '^#[0-9]+' $$d/log | tail -n 1 | sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1, ft \2/p'); \
		if [ $$rc -eq 0 ]; then \
			echo "fuzz $$t: $${execs:-?} executions in $(FUZZ_SECONDS) s, $${cov:-no coverage line}, 0 crashes" >$$d/summary; \
		else \
			{ echo "fuzz $$t: FAILED (status $$rc) after $${execs:-?} executions:"; \
			grep -E -A 30 'ERROR|runtime error|deadly signal|timeout|out-of-memory' $$d/log | head -n 60; \
			ls $$d/crash-* $$d/leak-* $$d/timeout-* $$d/oom-* 2>/dev/null; } >$$d/summary; \
		fi ) & \
		n=$$((n + 1)); if [ $$n -ge $$jobs ]; then wait; n=0; fi; \
	done; wait; \
	status=0; \
	for t in $(FUZZ_TARGETS); do \
		s=$(FUZZ_DIR)/$$t/summary; \
		if [ -f $$s ]; then cat $$s; else echo "fuzz $$t: FAILED (no summary)"; status=1; fi; \
		grep -q FAILED $$s 2>/dev/null && status=1; \
	done; \
	exit $$status

clean-local: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_DIR)

.PHONY: fuzz fuzz-lib clean-fuzz
