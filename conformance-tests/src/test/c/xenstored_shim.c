/*
 * LD_PRELOAD shim that lets Xen's C xenstored (Debian xen-utils-4.17, `xenstored -N`) start without a
 * hypervisor, for the pvkit conformance kit's calibration test (XenstoreVerification against the real
 * daemon). Written from the public library headers (xenctrl.h, xenevtchn.h, xengnttab.h); no Xen code.
 *
 * What it answers:
 *   xc_interface_open/close, xc_domain_getinfo     a fake hypervisor: every domain exists and runs,
 *                                                  except domid D after the file $SHIM_DIR/gone-D exists
 *   xengnttab_open/close/set_max_grants            succeed
 *   xengnttab_map_grant_ref(dom D, ref)            maps $SHIM_DIR/ring-D (a 4096-byte file) shared,
 *                                                  so a test can play guest D on a real ring page
 *   xenevtchn_open/fd/pending/unmask/notify/...    a handle whose fd is a FIFO ($SHIM_DIR/evtchn):
 *                                                  a test writes a 4-byte local port number to it to
 *                                                  raise that port; notify() appends the port to
 *                                                  $SHIM_DIR/notify-log (4 bytes per notification)
 *   open("/proc/xen/xsd_port")                     a file holding dom0's store port
 *   open("/proc/xen/xsd_kva")                      $SHIM_DIR/ring-0 (dom0's own xenstore page)
 *
 * SHIM_DIR is the environment variable PVKIT_XS_SHIM_DIR (required). Local ports are handed out from 1;
 * bind_interdomain(D, remote) records local port -> domid so the test can find the port of a domain in
 * $SHIM_DIR/port-D (the decimal local port).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

struct shim_handle {
    int fd;
};

static int next_port = 1;

static const char *shim_dir(void)
{
    const char *dir = getenv("PVKIT_XS_SHIM_DIR");
    if (dir == NULL || dir[0] == '\0') {
        fprintf(stderr, "xenstored_shim: PVKIT_XS_SHIM_DIR is not set\n");
        abort();
    }
    return dir;
}

static void shim_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", shim_dir(), name);
}

static int ring_file(uint32_t domid)
{
    char name[64];
    char path[4096];
    snprintf(name, sizeof(name), "ring-%u", domid);
    shim_path(path, sizeof(path), name);
    int (*real_open)(const char *, int, ...) = (int (*)(const char *, int, ...)) dlsym(RTLD_NEXT, "open");
    int fd = real_open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_size < 4096 && ftruncate(fd, 4096) != 0) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

/* ---------------------------------------------------------------- /proc/xen files */

static int redirect(const char *pathname)
{
    if (pathname == NULL) {
        return -2;
    }
    if (strcmp(pathname, "/proc/xen/xsd_kva") == 0) {
        return ring_file(0);
    }
    if (strcmp(pathname, "/proc/xen/xsd_port") == 0) {
        int fd = memfd_create("xsd_port", MFD_CLOEXEC);
        if (fd >= 0) {
            /* dom0's store port: any port number, the shim never delivers events for it */
            if (write(fd, "4095\n", 5) != 5) {
                close(fd);
                return -1;
            }
            lseek(fd, 0, SEEK_SET);
        }
        return fd;
    }
    return -2;
}

static int real_open_call(const char *sym, const char *pathname, int flags, mode_t mode)
{
    int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...)) dlsym(RTLD_NEXT, sym);
    return real(pathname, flags, mode);
}

int open(const char *pathname, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t) va_arg(ap, int);
        va_end(ap);
    }
    int fd = redirect(pathname);
    return fd != -2 ? fd : real_open_call("open", pathname, flags, mode);
}

int open64(const char *pathname, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t) va_arg(ap, int);
        va_end(ap);
    }
    int fd = redirect(pathname);
    return fd != -2 ? fd : real_open_call("open64", pathname, flags, mode);
}

/* ---------------------------------------------------------------- libxenctrl */

static struct shim_handle xc_dummy;

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                unsigned open_flags)
{
    (void) logger;
    (void) dombuild_logger;
    (void) open_flags;
    return (xc_interface *) &xc_dummy;
}

int xc_interface_close(xc_interface *xch)
{
    (void) xch;
    return 0;
}

int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms, xc_dominfo_t *info)
{
    (void) xch;
    if (max_doms == 0) {
        return 0;
    }
    char name[64];
    char path[4096];
    snprintf(name, sizeof(name), "gone-%u", first_domid);
    shim_path(path, sizeof(path), name);
    if (access(path, F_OK) == 0) {
        return 0; /* the next existing domain is none: the caller sees domid != first_domid */
    }
    memset(info, 0, sizeof(*info));
    info->domid = first_domid;
    info->running = 1;
    info->nr_online_vcpus = 1;
    info->max_vcpu_id = 0;
    info->nr_pages = 256;
    info->max_memkb = 1024;
    return 1;
}

/* ---------------------------------------------------------------- libxengnttab */

static struct shim_handle gnttab_dummy;

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void) logger;
    (void) open_flags;
    return (xengnttab_handle *) &gnttab_dummy;
}

int xengnttab_close(xengnttab_handle *xgt)
{
    (void) xgt;
    return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
    (void) xgt;
    (void) nr_grants;
    return 0;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
    (void) xgt;
    (void) ref;
    int fd = ring_file(domid);
    if (fd < 0) {
        return NULL;
    }
    void *addr = mmap(NULL, 4096, prot, MAP_SHARED, fd, 0);
    close(fd);
    if (addr == MAP_FAILED) {
        errno = EINVAL;
        return NULL;
    }
    return addr;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
    (void) xgt;
    return munmap(start_address, (size_t) count * 4096);
}

/* ---------------------------------------------------------------- libxenevtchn */

static xenevtchn_handle *evtchn_handle(void)
{
    struct shim_handle *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return NULL;
    }
    char path[4096];
    shim_path(path, sizeof(path), "evtchn");
    if (mkfifo(path, 0600) != 0 && errno != EEXIST) {
        free(h);
        return NULL;
    }
    /* O_RDWR: the FIFO never reports end-of-file when a writer goes away */
    h->fd = real_open_call("open", path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
    if (h->fd < 0) {
        free(h);
        return NULL;
    }
    return (xenevtchn_handle *) h;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void) logger;
    (void) open_flags;
    return evtchn_handle();
}

xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd, unsigned open_flags)
{
    (void) logger;
    (void) open_flags;
    struct shim_handle *h = calloc(1, sizeof(*h));
    if (h != NULL) {
        h->fd = fd;
    }
    return (xenevtchn_handle *) h;
}

int xenevtchn_close(xenevtchn_handle *xce)
{
    struct shim_handle *h = (struct shim_handle *) xce;
    if (h != NULL) {
        close(h->fd);
        free(h);
    }
    return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
    return ((struct shim_handle *) xce)->fd;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void) xce;
    char path[4096];
    shim_path(path, sizeof(path), "notify-log");
    int fd = real_open_call("open", path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        uint32_t p = port;
        if (write(fd, &p, sizeof(p)) != (ssize_t) sizeof(p)) {
            /* best effort: the test polls the ring anyway */
        }
        close(fd);
    }
    return 0;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                     evtchn_port_t remote_port)
{
    (void) xce;
    (void) remote_port;
    int port = next_port++;
    char name[64];
    char path[4096];
    snprintf(name, sizeof(name), "port-%u", domid);
    shim_path(path, sizeof(path), name);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fprintf(f, "%d\n", port);
        fclose(f);
    }
    return port;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
    (void) xce;
    int port = next_port++;
    char name[64];
    char path[4096];
    snprintf(name, sizeof(name), "virq-%u", virq);
    shim_path(path, sizeof(path), name);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fprintf(f, "%d\n", port);
        fclose(f);
    }
    return port;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void) xce;
    (void) port;
    return 0;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
    struct shim_handle *h = (struct shim_handle *) xce;
    uint32_t port;
    ssize_t n = read(h->fd, &port, sizeof(port));
    if (n != (ssize_t) sizeof(port)) {
        errno = EAGAIN;
        return -1;
    }
    return (xenevtchn_port_or_error_t) port;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void) xce;
    (void) port;
    return 0;
}
