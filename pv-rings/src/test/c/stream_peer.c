/*
 * C byte-stream peer for pvkit's interop tests, built on Xen's own headers:
 *   console:  io/console.h  struct xencons_interface, MASK_XENCONS_IDX, and the DEFINE_XEN_FLEX_RING(xencons)
 *             helpers (xencons_queued, xencons_read_packet, xencons_write_packet)
 *   xenstore: io/xs_wire.h  struct xenstore_domain_interface, MASK_XENSTORE_IDX (Linux xb_read/xb_write style
 *             chunks)
 *
 *   stream_peer <console|xenstore> <front|back> <file> <bytes> <seed> <timeout-seconds>
 *
 * <file> is one 4096-byte page holding the interface, with its four indices already set by pvkit. The front
 * (the guest) writes console.out / xenstore.req and reads console.in / xenstore.rsp; the back the reverse.
 * Each side sends <bytes> pseudo-random bytes (xorshift from <seed>) in random chunks and reads <bytes> bytes,
 * and prints one line:
 *   <kind> <role> sent=N sent_crc=X received=N received_crc=Y write_index=I read_index=J seconds=S
 * with CRC-32C (hex) of the bytes sent and received and the final free-running indices.
 * Exit 0 = done, 2 = the peer broke the ring (prod - cons > size), 3 = timeout, 64 = bad arguments.
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#define XEN_WANT_FLEX_CONSOLE_RING
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

/* x86_64 barriers as in Xen's tools (xenctrl.h): full fence for mb, acquire/release fences for rmb/wmb. */
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

_Static_assert(offsetof(struct xencons_interface, out) == 1024, "console out");
_Static_assert(offsetof(struct xencons_interface, in_cons) == 3072, "console in_cons");
_Static_assert(offsetof(struct xencons_interface, out_prod) == 3084, "console out_prod");
_Static_assert(offsetof(struct xenstore_domain_interface, req_cons) == 2048, "xenstore req_cons");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_prod) == 2060, "xenstore rsp_prod");

static uint32_t crc_update(uint32_t c, const uint8_t *p, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return c;
}

static uint64_t rng;
static uint64_t next_random(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static double now(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* one direction of a stream: the data array and its two indices */
struct dir {
    unsigned char *data;
    uint32_t size;
    volatile uint32_t *cons;
    volatile uint32_t *prod;
    int console;              /* 1: xencons flex helpers; 0: xenstore chunks */
    int out;                  /* console only: 1 for the out array, 0 for in */
};

static uint32_t mask(const struct dir *d, uint32_t idx) {
    if (!d->console) return MASK_XENSTORE_IDX(idx);
    return d->out ? MASK_XENCONS_IDX(idx, ((struct xencons_interface *) 0)->out)
                  : MASK_XENCONS_IDX(idx, ((struct xencons_interface *) 0)->in);
}

/* Writes up to want bytes; returns the count, or -1 when the peer's cons is corrupt. */
static long stream_write(struct dir *d, const uint8_t *src, uint32_t want) {
    uint32_t cons = *d->cons;     /* UNTRUSTED: read once */
    uint32_t prod = *d->prod;     /* our own index */
    xen_mb();                     /* read cons before overwriting the space it freed */
    if (prod - cons > d->size) return -1;
    uint32_t space = d->size - (prod - cons);
    uint32_t n = want < space ? want : space;
    if (n == 0) return 0;
    if (d->console) {
        RING_IDX masked_prod = mask(d, prod);
        xencons_write_packet(d->data, src, n, &masked_prod, mask(d, cons), d->size);
    } else {
        uint32_t done = 0;
        while (done < n) {        /* Linux get_output_chunk: up to the end of the array */
            uint32_t at = MASK_XENSTORE_IDX(prod + done);
            uint32_t chunk = XENSTORE_RING_SIZE - at;
            if (chunk > n - done) chunk = n - done;
            memcpy(d->data + at, src + done, chunk);
            done += chunk;
        }
    }
    xen_wmb();                    /* data before the index */
    *d->prod = prod + n;
    return n;
}

/* Reads up to want bytes; returns the count, or -1 when the peer's prod is corrupt. */
static long stream_read(struct dir *d, uint8_t *dst, uint32_t want) {
    uint32_t cons = *d->cons;     /* our own index */
    uint32_t prod = *d->prod;     /* UNTRUSTED: read once */
    xen_rmb();                    /* index before data */
    if (prod - cons > d->size) return -1;
    uint32_t ready = d->console ? xencons_queued(prod, cons, d->size) : prod - cons;
    uint32_t n = want < ready ? want : ready;
    if (n == 0) return 0;
    if (d->console) {
        RING_IDX masked_cons = mask(d, cons);
        xencons_read_packet(dst, d->data, n, mask(d, prod), &masked_cons, d->size);
    } else {
        uint32_t done = 0;
        while (done < n) {        /* Linux get_input_chunk */
            uint32_t at = MASK_XENSTORE_IDX(cons + done);
            uint32_t chunk = XENSTORE_RING_SIZE - at;
            if (chunk > n - done) chunk = n - done;
            memcpy(dst + done, d->data + at, chunk);
            done += chunk;
        }
    }
    xen_mb();                     /* finish reading before handing the space back */
    *d->cons = cons + n;
    return n;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: stream_peer <console|xenstore> <front|back> <file> <bytes> <seed> <timeout-seconds>\n");
        return 64;
    }
    int console = strcmp(argv[1], "console") == 0;
    int front = strcmp(argv[2], "front") == 0;
    if ((!console && strcmp(argv[1], "xenstore") != 0) || (!front && strcmp(argv[2], "back") != 0)) {
        fprintf(stderr, "bad kind or role\n");
        return 64;
    }
    long total = atol(argv[4]);
    rng = strtoull(argv[5], NULL, 0) | 1;
    double deadline = now() + atof(argv[6]);
    int fd = open(argv[3], O_RDWR);
    if (fd < 0 || total < 0) { perror("open"); return 64; }
    unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (page == MAP_FAILED) { perror("mmap"); return 64; }

    struct dir w, r;   /* what this side writes and reads */
    if (console) {
        struct xencons_interface *intf = (struct xencons_interface *) page;
        struct dir out = { (unsigned char *) intf->out, sizeof(intf->out), &intf->out_cons, &intf->out_prod, 1, 1 };
        struct dir in = { (unsigned char *) intf->in, sizeof(intf->in), &intf->in_cons, &intf->in_prod, 1, 0 };
        w = front ? out : in;
        r = front ? in : out;
    } else {
        struct xenstore_domain_interface *intf = (struct xenstore_domain_interface *) page;
        struct dir req = { (unsigned char *) intf->req, XENSTORE_RING_SIZE, &intf->req_cons, &intf->req_prod, 0, 0 };
        struct dir rsp = { (unsigned char *) intf->rsp, XENSTORE_RING_SIZE, &intf->rsp_cons, &intf->rsp_prod, 0, 0 };
        w = front ? req : rsp;
        r = front ? rsp : req;
    }

    uint8_t out_buf[4096], in_buf[4096];
    long sent = 0, received = 0;
    uint32_t sent_crc = 0xFFFFFFFFu, received_crc = 0xFFFFFFFFu;
    unsigned spins = 0;
    double t0 = now();
    uint32_t pending = 0;   /* generated but not yet written: out_buf[0..pending) */
    while (sent < total || received < total) {
        int progress = 0;
        if (sent < total) {
            if (pending == 0) {
                uint32_t want = 1 + (uint32_t) (next_random() % w.size);
                if ((long) want > total - sent) want = (uint32_t) (total - sent);
                for (uint32_t i = 0; i < want; i++) out_buf[i] = (uint8_t) next_random();
                pending = want;
            }
            long n = stream_write(&w, out_buf, pending);
            if (n < 0) { printf("%s %s broken writing: prod=%u cons=%u\n", argv[1], argv[2], *w.prod, *w.cons); return 2; }
            if (n > 0) {
                sent_crc = crc_update(sent_crc, out_buf, (uint32_t) n);
                memmove(out_buf, out_buf + n, pending - n);
                pending -= (uint32_t) n;
                sent += n;
                progress = 1;
            }
        }
        if (received < total) {
            uint32_t want = 1 + (uint32_t) (next_random() % r.size);
            if ((long) want > total - received) want = (uint32_t) (total - received);
            long n = stream_read(&r, in_buf, want);
            if (n < 0) { printf("%s %s broken reading: prod=%u cons=%u\n", argv[1], argv[2], *r.prod, *r.cons); return 2; }
            if (n > 0) {
                received_crc = crc_update(received_crc, in_buf, (uint32_t) n);
                received += n;
                progress = 1;
            }
        }
        if (progress) {
            spins = 0;
        } else {
            if (now() > deadline) {
                printf("%s %s timeout sent=%ld received=%ld\n", argv[1], argv[2], sent, received);
                return 3;
            }
            if (++spins < 1000) sched_yield(); else usleep(20);
        }
    }
    printf("%s %s sent=%ld sent_crc=%08x received=%ld received_crc=%08x write_index=%u read_index=%u seconds=%.3f\n",
           argv[1], argv[2], sent, ~sent_crc, received, ~received_crc, *w.prod, *r.cons, now() - t0);
    return 0;
}
