/*
 * mailbox_guest.c: a guest written in C that joins a pvkit hypervisor through the pv-process mailbox.
 *
 * The example a non-JVM user copies: connect to the hypervisor's Unix socket, send struct pvkit_hello,
 * receive struct pvkit_welcome with the guest-memory and mailbox memfds (SCM_RIGHTS), check their seals,
 * map both, then make hypercalls with Xen's own numbers and argument structs (libxen-dev headers):
 * console_io write, xen_version, sched_op shutdown(poweroff).
 *
 * Usage: mailbox_guest SOCKET_PATH            exit 0 when every hypercall succeeded
 *        mailbox_guest SOCKET_PATH --fork    after joining, fork a child that keeps every descriptor (the
 *                                            session socket too) and sleeps; print "forked CHILD_PID" and
 *                                            make xen_version hypercalls until the hypervisor says it is
 *                                            gone: the death of this process must be noticed although the
 *                                            child still holds the socket open
 */
#define _GNU_SOURCE
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/version.h>
#include <xen/sched.h>
#include "pvkit_mailbox.h"

#define FRAMES 16
#define REQUIRED_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

static void die(const char *what) {
    fprintf(stderr, "mailbox_guest: %s: %s\n", what, strerror(errno));
    exit(1);
}

static uint32_t seq;

/* One hypercall through vCPU 0's mailbox (pvkit_mailbox.h, "Hypercall"). */
static int64_t hypercall(struct pvkit_mailbox *mb, uint64_t op, uint64_t a1, uint64_t a2, uint64_t a3,
                         uint64_t a4, uint64_t a5) {
    unsigned spins = 0;
    int64_t result;
    seq++;
    mb->op = op;
    mb->args[0] = a1; mb->args[1] = a2; mb->args[2] = a3; mb->args[3] = a4; mb->args[4] = a5;
    mb->seq = seq;
    /* ORDERING: release; op/args/seq visible before REQUEST (pairs with the hypervisor's acquire) */
    __atomic_store_n(&mb->state, PVKIT_MAILBOX_REQUEST, __ATOMIC_RELEASE);
    /* ORDERING: acquire; pairs with the hypervisor's release store of RESPONSE */
    while (__atomic_load_n(&mb->state, __ATOMIC_ACQUIRE) != PVKIT_MAILBOX_RESPONSE) {
        if (__atomic_load_n(&mb->gone, __ATOMIC_ACQUIRE) & PVKIT_GONE_HYPERVISOR)
            return -ENODEV;
        if (++spins < 1000)
            __builtin_ia32_pause();
        else
            usleep(50);
    }
    result = mb->result;
    if (mb->rsp_seq != seq)
        result = -EIO;
    __atomic_store_n(&mb->state, PVKIT_MAILBOX_IDLE, __ATOMIC_RELEASE);
    return result;
}

static void *map_sealed(int fd, size_t bytes) {
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (seals & REQUIRED_SEALS) != REQUIRED_SEALS) {
        fprintf(stderr, "mailbox_guest: fd %d not sealed (0x%x)\n", fd, seals);
        exit(1);
    }
    if (lseek(fd, 0, SEEK_END) != (off_t)bytes) {
        fprintf(stderr, "mailbox_guest: fd %d has the wrong size\n", fd);
        exit(1);
    }
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        die("mmap");
    return p;
}

int main(int argc, char **argv) {
    int fork_mode = argc == 3 && strcmp(argv[2], "--fork") == 0;
    if (argc != 2 && !fork_mode) {
        fprintf(stderr, "usage: mailbox_guest SOCKET [--fork]\n");
        return 64;
    }
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strncpy(addr.sun_path, argv[1], sizeof(addr.sun_path) - 1);
    if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        die("connect");

    struct pvkit_hello hello = { .magic = PVKIT_SESSION_HELLO_MAGIC, .version = PVKIT_ABI_VERSION,
                                 .vcpus = 1, .frames = FRAMES };
    strcpy(hello.name, "c-guest");
    if (send(s, &hello, sizeof(hello), MSG_NOSIGNAL) != sizeof(hello))
        die("send hello");

    struct pvkit_welcome welcome;
    union { struct cmsghdr align; char buf[CMSG_SPACE(2 * sizeof(int))]; } control;
    struct iovec iov = { .iov_base = &welcome, .iov_len = sizeof(welcome) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                          .msg_controllen = sizeof(control.buf) };
    ssize_t n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
    if (n != sizeof(welcome))
        die("recvmsg welcome");
    if (welcome.magic != PVKIT_SESSION_WELCOME_MAGIC || welcome.status != 0) {
        fprintf(stderr, "mailbox_guest: refused, status %d\n", welcome.status);
        return 1;
    }
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS
            || cmsg->cmsg_len != CMSG_LEN(2 * sizeof(int))) {
        fprintf(stderr, "mailbox_guest: no descriptors\n");
        return 1;
    }
    int fds[2];
    memcpy(fds, CMSG_DATA(cmsg), sizeof(fds));
    uint8_t *mem = map_sealed(fds[0], welcome.frames * 4096);
    uint8_t *page = map_sealed(fds[1], welcome.mailbox_bytes);
    struct pvkit_mailbox_page_header *hdr = (void *)page;
    if (__atomic_load_n(&hdr->magic, __ATOMIC_ACQUIRE) != PVKIT_MAILBOX_MAGIC || hdr->nr_vcpus < 1) {
        fprintf(stderr, "mailbox_guest: bad mailbox page\n");
        return 1;
    }
    struct pvkit_mailbox *mb = (void *)(page + PVKIT_MAILBOX_OFFSET(0));
    seq = mb->rsp_seq;

    if (fork_mode) {
        pid_t child = fork();
        if (child < 0)
            die("fork");
        if (child == 0) {
            sleep(120);     /* holds the socket and both mappings; killed by the test */
            _exit(0);
        }
        printf("forked %d\n", (int)child);
        fflush(stdout);
        for (;;) {
            int64_t v = hypercall(mb, __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
            if (v < 0) {
                printf("hypercall: %lld\n", (long long)v);
                return 2;
            }
        }
    }

    /* console_io(CONSOLEIO_write, len, buffer): the buffer is a guest-physical address in our memory */
    char text[64];
    int len = snprintf(text, sizeof(text), "hello from C, domid %u\n", welcome.domid);
    memcpy(mem + 0x1000, text, len);
    int64_t rc = hypercall(mb, __HYPERVISOR_console_io, CONSOLEIO_write, len, 0x1000, 0, 0);
    if (rc != 0) {
        fprintf(stderr, "console_io: %lld\n", (long long)rc);
        return 1;
    }
    int64_t version = hypercall(mb, __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
    if (version < 0) {
        fprintf(stderr, "xen_version: %lld\n", (long long)version);
        return 1;
    }
    struct sched_shutdown *sd = (void *)(mem + 0x2000);
    sd->reason = SHUTDOWN_poweroff;
    rc = hypercall(mb, __HYPERVISOR_sched_op, SCHEDOP_shutdown, 0x2000, 0, 0, 0);
    if (rc != 0) {
        fprintf(stderr, "sched_op shutdown: %lld\n", (long long)rc);
        return 1;
    }
    printf("ok domid=%u version=%lld.%lld\n", welcome.domid, (long long)(version >> 16), (long long)(version & 0xffff));
    return 0;
}
