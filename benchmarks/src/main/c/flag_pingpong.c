/*
 * The round-trip floor for pvkit's cross-process ring figures: two processes bounce a counter through two
 * 32-bit words of the same memory-mapped file layout the ring benchmarks use (the words sit where io/ring.h
 * keeps req_prod and rsp_prod), with the same idle policy (sched_yield up to 1000 times, then 20 us sleeps).
 * No slots, no checksums, no event indices: only the two cache-line transfers every round trip needs.
 *
 *   flag_pingpong ping|pong <file> <count> [timeout-seconds [warmup]]
 *
 * The ping side clears the words, publishes the control page's "PVKF" magic (release) and then, for
 * i = 1..count, stores i in word 0 (release) and waits for word 2 (offset 8) to read i (acquire); the pong
 * side waits for word 0 to read i and stores i in word 2. The ping side's timer starts after <warmup> round
 * trips. Prints "<role> n=<count> measured=<count - warmup> seconds=<s>", exits 0,
 * 3 on timeout, 64 on bad arguments.
 *
 * Build: gcc -O2 -o flag_pingpong flag_pingpong.c
 */
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE_BYTES 4096u
#define MAGIC 0x464B5650u

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec * 1e-9;
}

/* waits until *word == want; the same policy as the ring pair; returns -1 on timeout */
static int await(volatile uint32_t *word, uint32_t want, double deadline) {
    unsigned idles = 0;
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != want) {
        if (idles < 1000) {
            idles++;
            sched_yield();
        } else {
            usleep(20);
        }
        if ((idles & 255) == 0 && seconds_now() > deadline) return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s ping|pong <file> <count> [timeout-seconds]\n", argv[0]); return 64; }
    long count = strtol(argv[3], NULL, 0);
    double timeout = argc > 4 ? strtod(argv[4], NULL) : 60.0;
    long warmup = argc > 5 ? strtol(argv[5], NULL, 0) : 0;
    if (count < 0 || !(timeout > 0) || warmup < 0 || warmup > count) { fprintf(stderr, "bad arguments\n"); return 64; }
    int fd = open(argv[2], O_RDWR | O_CREAT, 0600);
    if (fd < 0 || ftruncate(fd, 2 * PAGE_BYTES) != 0) { perror(argv[2]); return 64; }
    uint8_t *m = mmap(NULL, 2 * PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); return 64; }
    volatile uint32_t *ping = (volatile uint32_t *) m, *pong = (volatile uint32_t *) (m + 8);
    volatile uint32_t *ready = (volatile uint32_t *) (m + PAGE_BYTES);
    double deadline = seconds_now() + timeout;
    if (strcmp(argv[1], "ping") == 0) {
        __atomic_store_n(ready, 0u, __ATOMIC_SEQ_CST);
        __atomic_store_n(ping, 0u, __ATOMIC_SEQ_CST);
        __atomic_store_n(pong, 0u, __ATOMIC_SEQ_CST);
        __atomic_store_n(ready, MAGIC, __ATOMIC_RELEASE);
        double t0 = seconds_now();
        for (uint32_t i = 1; i <= (uint32_t) count; i++) {
            if (i == (uint32_t) warmup + 1) t0 = seconds_now();
            __atomic_store_n(ping, i, __ATOMIC_RELEASE);
            if (await(pong, i, deadline)) { printf("ping n=%u error=timeout\n", i - 1); return 3; }
        }
        double t = seconds_now() - t0;
        __atomic_store_n(ready, 0u, __ATOMIC_RELEASE);
        printf("ping n=%ld measured=%ld seconds=%.6f\n", count, count - warmup, t);
        return 0;
    }
    if (strcmp(argv[1], "pong") == 0) {
        if (await(ready, MAGIC, deadline)) { printf("pong n=0 error=timeout\n"); return 3; }
        double t0 = seconds_now();
        for (uint32_t i = 1; i <= (uint32_t) count; i++) {
            if (await(ping, i, deadline)) { printf("pong n=%u error=timeout\n", i - 1); return 3; }
            __atomic_store_n(pong, i, __ATOMIC_RELEASE);
        }
        printf("pong n=%ld seconds=%.6f\n", count, seconds_now() - t0);
        return 0;
    }
    fprintf(stderr, "role must be ping or pong\n");
    return 64;
}
