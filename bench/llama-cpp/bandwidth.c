// Memory read bandwidth for the benchmark's ceiling row: THREADS threads each sum their
// share of a buffer far larger than the caches, REPEATS times; prints the best GB/s.
// usage: bandwidth MEGABYTES THREADS REPEATS
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const float * p;
    size_t n;
    float sum;
} job_t;

static void * reader(void * arg) {
    job_t * j = arg;
    // Eight independent accumulators, so the loop vectorises and is bound by loads.
    float a[8] = {0};
    for (size_t i = 0; i + 8 <= j->n; i += 8)
        for (int k = 0; k < 8; k++) a[k] += j->p[i + k];
    j->sum = a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
    return NULL;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char ** argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s MEGABYTES THREADS REPEATS\n", argv[0]);
        return 2;
    }
    const size_t bytes = (size_t) atol(argv[1]) << 20;
    const int threads = atoi(argv[2]);
    const int repeats = atoi(argv[3]);
    if (threads < 1 || threads > 256 || repeats < 1 || bytes < (1 << 20)) return 2;
    const size_t n = bytes / sizeof(float);
    float * buf = aligned_alloc(64, n * sizeof(float));
    if (!buf) return 1;
    for (size_t i = 0; i < n; i++) buf[i] = (float) (i & 1023);
    pthread_t t[256];
    job_t jobs[256];
    double best = 0;
    float total = 0;
    for (int r = 0; r < repeats; r++) {
        const double t0 = now_s();
        for (int k = 0; k < threads; k++) {
            jobs[k].p = buf + n / threads * k;
            jobs[k].n = n / threads;
            pthread_create(&t[k], NULL, reader, &jobs[k]);
        }
        for (int k = 0; k < threads; k++) {
            pthread_join(t[k], NULL);
            total += jobs[k].sum;
        }
        const double gbs = (double) (n / threads * threads * sizeof(float)) / (now_s() - t0) / 1e9;
        if (gbs > best) best = gbs;
    }
    // The checksum keeps the reads from being optimised away.
    printf("{\"gbPerS\":%.3f,\"checksum\":%.1f}\n", best, (double) total);
    free(buf);
    return 0;
}
