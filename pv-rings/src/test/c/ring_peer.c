/*
 * C ring peer for pvkit's interop tests, built on Xen's own io/ring.h macros.
 *
 *   ring_peer front <file> <ring-pages> <count> <start-index> [seed [window [timeout-seconds]]]
 *   ring_peer back  <file> <ring-pages> <count> <start-index> [seed [window [timeout-seconds]]]
 *
 * Start index 0 uses SHARED_RING_INIT + FRONT_RING_INIT / BACK_RING_INIT; any other start moves the fresh
 * ring there and uses FRONT_RING_ATTACH / BACK_RING_ATTACH. Exit 0 = all good, 1 = checksum mismatches,
 * 2 = the peer broke the ring, 3 = timeout (default 60 s), 64 = bad arguments.
 *
 * File layout (the same as io.pvkit.rings.tools.RingPeer): <ring-pages> pages of shared ring, then
 * one control page whose first u32 the front sets to 0x524B5650 ("PVKR") after SHARED_RING_INIT.
 *
 * Test protocol: request  { u64 id; u32 len; u32 crc; u8 payload[REQ_SIZE-16]; }
 *                response { u64 id; u32 status; u32 crc; u8 pad[RSP_SIZE-16]; }
 * crc = CRC32C(payload[0..len)); the back answers status 0 when its crc matches, 1 otherwise, and
 * echoes its own crc. REQ_SIZE/RSP_SIZE are compile-time (-DREQ_SIZE=.. -DRSP_SIZE=..).
 *
 * No event channels: both sides poll (sched_yield, then usleep) around the final checks and count
 * how often RING_PUSH_*_AND_CHECK_NOTIFY asked for a notification.
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <time.h>
#include <sys/mman.h>

/* x86_64 Xen tools barriers (xenctrl.h): full fence for mb, compiler barriers on TSO for rmb/wmb. */
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/ring.h>

#ifndef REQ_SIZE
#define REQ_SIZE 64
#endif
#ifndef RSP_SIZE
#define RSP_SIZE 16
#endif
#define PAYLOAD (REQ_SIZE - 16)
#define PAGE 4096
#define READY_MAGIC 0x524B5650u
/* control page: u32 ready @0, u32 state @4 (0 initialising, 1 running, 2 done), u32 start @8 (RingPeer) */
#define STATE_RUNNING 1u
#define STATE_DONE 2u

#if REQ_SIZE % 8 == 0
struct test_request { uint64_t id; uint32_t len; uint32_t crc; uint8_t payload[PAYLOAD]; };
#define REQ_ID(r) ((r)->id)
#define SET_REQ_ID(r, v) ((r)->id = (v))
#else
/* only u32 fields: 4-byte aligned, so the union with an 8-byte aligned response is rounded up (20 -> 24) */
struct test_request { uint32_t id_lo; uint32_t id_hi; uint32_t len; uint32_t crc; uint8_t payload[PAYLOAD]; };
#define REQ_ID(r) ((uint64_t) (r)->id_lo | (uint64_t) (r)->id_hi << 32)
#define SET_REQ_ID(r, v) ((r)->id_lo = (uint32_t) (v), (r)->id_hi = (uint32_t) ((uint64_t) (v) >> 32))
#endif
struct test_response { uint64_t id; uint32_t status; uint32_t crc; uint8_t pad[RSP_SIZE - 16]; };
_Static_assert(sizeof(struct test_request) == REQ_SIZE, "request size");
_Static_assert(sizeof(struct test_response) == RSP_SIZE, "response size");

DEFINE_RING_TYPES(test, struct test_request, struct test_response);

#ifdef SLOT_SIZE
/* the slot size pvkit computed (RingType.slotSize) must be gcc's size of the io/ring.h union */
_Static_assert(sizeof(union test_sring_entry) == SLOT_SIZE, "pvkit's slot size differs from gcc's union size");
#endif

/* CRC-32C (Castagnoli), the value java.util.zip.CRC32C computes. With SSE4.2 (checked once at run time, so
 * the file still builds without -msse4.2) 8 bytes per crc32 instruction, as the JDK's intrinsic does; the
 * bit-by-bit loop is only the fallback for CPUs without it. */
static uint32_t crc32c_bits(const uint8_t *p, uint32_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return ~c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(const uint8_t *p, uint32_t n) {
    uint64_t c = 0xFFFFFFFFu;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t) c;
    while (n-- > 0) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return ~c32;
}
#endif

static uint32_t crc32c(const uint8_t *p, uint32_t n) {
#if defined(__x86_64__)
    static int hw = -1;
    if (hw < 0) hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
    if (hw) return crc32c_sse42(p, n);
#endif
    return crc32c_bits(p, n);
}

static uint64_t rng;
static uint64_t next_random(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static void idle(unsigned *spins) {
    if (++*spins < 1000) sched_yield(); else usleep(20);
}

static double now(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double deadline;

static int timed_out(const char *role, long done) {
    if (now() <= deadline) return 0;
    fprintf(stderr, "%s: timeout after %ld exchanges\n", role, done);
    printf("%s timeout exchanged=%ld\n", role, done);
    return 1;
}

static int run_back(struct test_sring *s, size_t ring_bytes, volatile uint32_t *ready, long count, RING_IDX start) {
    unsigned spins = 0;
    /* attach only to a running front: a finished run's file (state done) is not taken as new */
    while (__atomic_load_n(ready, __ATOMIC_ACQUIRE) != READY_MAGIC || __atomic_load_n(&ready[1], __ATOMIC_ACQUIRE) != STATE_RUNNING) {
        if (timed_out("back", 0)) return 3;
        idle(&spins);
    }
    RING_IDX front_start = __atomic_load_n(&ready[2], __ATOMIC_ACQUIRE);
    RING_IDX rsp0 = s->rsp_prod, req0 = s->req_prod;
    if (front_start != start || rsp0 != start || req0 - start > __RING_SIZE(s, ring_bytes)) {
        fprintf(stderr, "back: start %u does not match the ring (front start %u, rsp_prod %u, req_prod %u)\n", start, front_start, rsp0, req0);
        printf("back error=start mismatch\n");
        return 4;
    }
    struct test_back_ring back;
    if (start == 0) {
        BACK_RING_INIT(&back, s, ring_bytes);
    } else {
        BACK_RING_ATTACH(&back, s, start, ring_bytes);
    }
    long served = 0, bad = 0, notifies = 0;
    double t0 = now();
    while (served < count) {
        RING_IDX rp = s->req_prod;
        xen_rmb();
        if (RING_REQUEST_PROD_OVERFLOW(&back, rp)) { fprintf(stderr, "back: req_prod overflow %u\n", rp); return 2; }
        RING_IDX rc = back.req_cons;
        int did = 0;
        while (rc != rp && !RING_REQUEST_CONS_OVERFLOW(&back, rc)) {
            struct test_request req;
            RING_COPY_REQUEST(&back, rc, &req);
            back.req_cons = ++rc;
            uint32_t len = req.len <= PAYLOAD ? req.len : 0;
            uint32_t crc = crc32c(req.payload, len);
            struct test_response *rsp = RING_GET_RESPONSE(&back, back.rsp_prod_pvt);
            memset(rsp, 0, sizeof(*rsp));
            rsp->id = REQ_ID(&req);
            rsp->status = (req.len <= PAYLOAD && crc == req.crc) ? 0 : 1;
            rsp->crc = crc;
            if (rsp->status) bad++;
            back.rsp_prod_pvt++;
            served++;
            did = 1;
        }
        if (did) {
            int notify;
            RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&back, notify);
            if (notify) notifies++;
            spins = 0;
        }
        int more;
        RING_FINAL_CHECK_FOR_REQUESTS(&back, more);
        if (!more && served < count) {
            if (timed_out("back", served)) return 3;
            idle(&spins);
        }
    }
    printf("back served=%ld bad=%ld notifies=%ld req_cons=%u seconds=%.3f\n", served, bad, notifies, back.req_cons, now() - t0);
    return bad == 0 ? 0 : 1;
}

static int front_loop(struct test_sring *s, struct test_front_ring *fr, long count, unsigned window);

static int run_front(struct test_sring *s, size_t ring_bytes, volatile uint32_t *ready, long count, RING_IDX start, unsigned window) {
    struct test_front_ring front;
    __atomic_store_n(&ready[0], 0u, __ATOMIC_SEQ_CST);
    __atomic_store_n(&ready[1], 0u, __ATOMIC_SEQ_CST);
    SHARED_RING_INIT(s);
    if (start == 0) {
        FRONT_RING_INIT(&front, s, ring_bytes);   /* with SHARED_RING_INIT: XEN_FRONT_RING_INIT */
    } else {
        /* move the fresh ring to start, then attach there */
        s->req_prod = s->rsp_prod = start;
        s->req_event = s->rsp_event = start + 1;
        FRONT_RING_ATTACH(&front, s, start, ring_bytes);
    }
    __atomic_store_n(&ready[2], start, __ATOMIC_RELAXED);
    __atomic_store_n(&ready[1], STATE_RUNNING, __ATOMIC_RELAXED);
    __atomic_store_n(ready, READY_MAGIC, __ATOMIC_RELEASE);
    int code = front_loop(s, &front, count, window);
    __atomic_store_n(&ready[1], STATE_DONE, __ATOMIC_RELEASE);
    return code;
}

static int front_loop(struct test_sring *s, struct test_front_ring *fr, long count, unsigned window) {
    struct test_front_ring front = *fr;
    unsigned n = RING_SIZE(&front);
    uint32_t *sent_crc = calloc(n, sizeof(uint32_t));
    uint8_t *in_flight = calloc(n, 1);
    unsigned *free_ids = calloc(n, sizeof(unsigned));
    unsigned nfree = n;
    for (unsigned i = 0; i < n; i++) free_ids[i] = n - 1 - i;
    long sent = 0, received = 0, bad = 0, notifies = 0;
    unsigned spins = 0;
    double t0 = now();
    while (received < count) {
        int put = 0;
        while (sent < count && !RING_FULL(&front) && front.req_prod_pvt - front.rsp_cons < window) {
            unsigned id = free_ids[--nfree];
            struct test_request *req = RING_GET_REQUEST(&front, front.req_prod_pvt);
            struct test_request local;
            memset(&local, 0, sizeof(local));
            SET_REQ_ID(&local, id);
            local.len = (uint32_t)(next_random() % (PAYLOAD + 1));
            for (uint32_t i = 0; i < local.len; i += 8) {
                uint64_t r = next_random();
                memcpy(local.payload + i, &r, local.len - i < 8 ? local.len - i : 8);
            }
            local.crc = crc32c(local.payload, local.len);
            sent_crc[id] = local.crc;
            in_flight[id] = 1;
            *req = local;
            front.req_prod_pvt++;
            sent++;
            put = 1;
        }
        if (put) {
            int notify;
            RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
            if (notify) notifies++;
        }
        RING_IDX rp = s->rsp_prod;
        xen_rmb();
        if (RING_RESPONSE_PROD_OVERFLOW(&front, rp)) { fprintf(stderr, "front: rsp_prod overflow %u\n", rp); return 2; }
        RING_IDX rc = front.rsp_cons;
        while (rc != rp) {
            struct test_response rsp;
            RING_COPY_RESPONSE(&front, rc, &rsp);
            front.rsp_cons = ++rc;
            if (rsp.id >= n || !in_flight[rsp.id]) { fprintf(stderr, "front: bad response id %llu\n", (unsigned long long) rsp.id); return 2; }
            if (rsp.status != 0 || rsp.crc != sent_crc[rsp.id]) bad++;
            in_flight[rsp.id] = 0;
            free_ids[nfree++] = (unsigned) rsp.id;
            received++;
            spins = 0;
        }
        if (received < count && front.req_prod_pvt != front.rsp_cons) {
            int more;
            RING_FINAL_CHECK_FOR_RESPONSES(&front, more);
            if (!more) {
                if (timed_out("front", received)) return 3;
                idle(&spins);
            }
        }
    }
    printf("front sent=%ld received=%ld bad=%ld notifies=%ld req_prod=%u seconds=%.3f\n", sent, received, bad, notifies, front.req_prod_pvt, now() - t0);
    return bad == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s front|back <file> <ring-pages> <count> <start-index> [seed [window [timeout-seconds]]]\n", argv[0]);
        return 64;
    }
    const char *role = argv[1];
    long pages = strtol(argv[3], NULL, 0);
    long count = strtol(argv[4], NULL, 0);
    RING_IDX start = (RING_IDX) strtoul(argv[5], NULL, 0);
    rng = argc > 6 ? strtoull(argv[6], NULL, 0) | 1 : 88172645463325252ull;
    double timeout = argc > 8 ? strtod(argv[8], NULL) : 60.0;
    if (pages < 1 || count < 0 || !(timeout > 0)) { fprintf(stderr, "bad arguments\n"); return 64; }
    deadline = now() + timeout;
    size_t ring_bytes = (size_t) pages * PAGE;
    int fd = open(argv[2], O_RDWR | O_CREAT, 0600);
    if (fd < 0 || ftruncate(fd, ring_bytes + PAGE) != 0) { perror("open"); return 66; }
    uint8_t *map = mmap(NULL, ring_bytes + PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) { perror("mmap"); return 66; }
    struct test_sring *s = (struct test_sring *) map;
    volatile uint32_t *ready = (volatile uint32_t *) (map + ring_bytes);
    unsigned window = argc > 7 ? (unsigned) strtoul(argv[7], NULL, 0) : 0xFFFFFFFFu;
    if (window < 1) { fprintf(stderr, "window must be at least 1\n"); return 64; }
    if (strcmp(role, "back") == 0) return run_back(s, ring_bytes, ready, count, start);
    if (strcmp(role, "front") == 0) return run_front(s, ring_bytes, ready, count, start, window);
    fprintf(stderr, "unknown role %s\n", role);
    return 64;
}
