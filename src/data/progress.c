/* progress.c — how far a data set's load has come, for the screen's progress line: the
 * loader says what it loads and how many bytes its files hold, the file reader where it is
 * in the current file, and the thread's callback hears each 5 % step (see data.h). */
#include "gglab/data.h"

/* The load in progress on this thread: the bytes of the files before the current one, of
 * all of them, and the last percent said. */
static _Thread_local struct {
	data_progress_fn fn;
	void *arg;
	const char *what;
	double before, total;
	int said;
} progress;

void data_set_progress(data_progress_fn fn, void *arg)
{
	progress.fn = fn;
	progress.arg = arg;
	progress.total = 0;
}

void data_progress_begin(const char *what, double total_bytes)
{
	progress.what = what;
	progress.total = total_bytes;
	progress.before = 0;
	progress.said = -5;
	data_progress_at(0);
}

void data_progress_file_done(double bytes)
{
	progress.before += bytes;
}

void data_progress_at(long long offset)
{
	if (!progress.fn || progress.total <= 0)
		return;
	double f = (progress.before + (double)offset) / progress.total;
	int pct = f >= 1 ? 100 : (int)(100 * f);
	if (pct >= progress.said + 5 || (pct == 100 && progress.said < 100)) {
		progress.said = pct;
		progress.fn(progress.arg, progress.what, pct);
	}
}
