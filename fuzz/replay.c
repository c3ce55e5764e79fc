/*
 * replay.c - a main() for a fuzz target without libFuzzer: every file
 * named, and every file in every directory named, is passed once to
 * LLVMFuzzerTestOneInput(), in name order.  `make check` runs each
 * target's seed corpus this way with the ordinary compiler; a crashing
 * input aborts the run like it would abort the fuzzer.
 *
 * usage: replay_TARGET DIR|FILE...
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Run one file; returns 1 when it ran, 0 when it could not be read. */
static int run_file(const char *path)
{
	size_t len = 0;
	uint8_t *data = fuzz_read_file(path, &len);
	if (data == NULL) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return 0;
	}
	/* An exact-size copy, so ASan sees a read past the input. */
	uint8_t *copy = malloc(len ? len : 1);
	if (copy == NULL) {
		free(data);
		return 0;
	}
	memcpy(copy, data, len);
	free(data);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	return 1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	long ran = 0, bad = 0;
	for (int i = 1; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) != 0) {
			fprintf(stderr, "replay: %s: not found\n", argv[i]);
			bad++;
			continue;
		}
		if (!S_ISDIR(sb.st_mode)) {
			if (run_file(argv[i]))
				ran++;
			else
				bad++;
			continue;
		}
		struct dirent **ents;
		int n = scandir(argv[i], &ents, NULL, by_name);
		if (n < 0) {
			perror(argv[i]);
			bad++;
			continue;
		}
		for (int k = 0; k < n; k++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			         ents[k]->d_name);
			free(ents[k]);
			if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
				continue;
			if (run_file(path))
				ran++;
			else
				bad++;
		}
		free(ents);
	}
	printf("%s: %ld inputs replayed\n", argv[0], ran);
	return bad || ran == 0 ? 1 : 0;
}
