// SPDX-License-Identifier: GPL-2.0
/* C++: leaks objects made with new (operator new ends in malloc) at a
 * steady rate, beside strings and vectors made and dropped at once:
 * heap_cxx_leak MiB_PER_S SECONDS.  Like the C workloads, it writes "pid"
 * to $WL_INFO, waits for $WL_GATE, and says "leaked BYTES" every second. */
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>
#include <unistd.h>

namespace app {
struct Session {
	char buf[2048];
};

__attribute__((noinline)) Session *open_session()
{
	Session *s = new Session;

	memset(s->buf, 4, sizeof(s->buf));
	return s;
}
} // namespace app

static void info(const char *key, long value)
{
	const char *path = getenv("WL_INFO");
	FILE *f = path ? fopen(path, "a") : nullptr;

	if (f) {
		fprintf(f, "%s %ld\n", key, value);
		fclose(f);
	}
}

static double now()
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
		.count();
}

int main(int argc, char **argv)
{
	double rate = argc > 1 ? atof(argv[1]) : 2, secs = argc > 2 ? atof(argv[2]) : 30;
	size_t per_tick = (size_t)(rate * (1 << 20) / 10);
	const char *gate = getenv("WL_GATE");
	std::vector<app::Session *> kept;
	double start, next, said;
	long leaked = 0;

	info("pid", getpid());
	for (double end = now() + 30; gate && *gate && access(gate, F_OK) && now() < end;)
		usleep(10000);
	start = next = said = now();
	while (now() - start < secs) {
		for (size_t done = 0; done < per_tick; done += sizeof(app::Session)) {
			kept.push_back(app::open_session());
			leaked += sizeof(app::Session);
			std::string dropped(300, 'x');	/* made and freed at once */
		}
		if (now() - said >= 1) {
			info("leaked", leaked);
			said = now();
		}
		next += 0.1;
		while (now() < next)
			usleep(5000);
	}
	return 0;
}
