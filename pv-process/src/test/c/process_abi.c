/*
 * Prints sizeof/_Alignof/offsetof/field sizes of every structure pv-process mirrors, and the constants it
 * uses, for ProcessAbiCrossCheckTest. Built with gcc against the system headers and pvkit_mailbox.h.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <errno.h>
#include <unistd.h>
#include "pvkit_mailbox.h"

#define S(tag, type) printf("struct %s %zu %zu\n", tag, sizeof(type), _Alignof(type))
#define F(tag, type, m) printf("field %s.%s %zu %zu\n", tag, #m, offsetof(type, m), sizeof(((type *)0)->m))
#define C(name) printf("const %s %ld\n", #name, (long)(name))

int main(void) {
    S("iovec", struct iovec);
    F("iovec", struct iovec, iov_base); F("iovec", struct iovec, iov_len);
    S("msghdr", struct msghdr);
    F("msghdr", struct msghdr, msg_name); F("msghdr", struct msghdr, msg_namelen);
    F("msghdr", struct msghdr, msg_iov); F("msghdr", struct msghdr, msg_iovlen);
    F("msghdr", struct msghdr, msg_control); F("msghdr", struct msghdr, msg_controllen);
    F("msghdr", struct msghdr, msg_flags);
    S("cmsghdr", struct cmsghdr);
    F("cmsghdr", struct cmsghdr, cmsg_len); F("cmsghdr", struct cmsghdr, cmsg_level);
    F("cmsghdr", struct cmsghdr, cmsg_type);
    S("sockaddr_un", struct sockaddr_un);
    F("sockaddr_un", struct sockaddr_un, sun_family); F("sockaddr_un", struct sockaddr_un, sun_path);
    S("pollfd", struct pollfd);
    F("pollfd", struct pollfd, fd); F("pollfd", struct pollfd, events); F("pollfd", struct pollfd, revents);

    S("pvkit_mailbox_page_header", struct pvkit_mailbox_page_header);
    F("pvkit_mailbox_page_header", struct pvkit_mailbox_page_header, magic);
    F("pvkit_mailbox_page_header", struct pvkit_mailbox_page_header, version);
    F("pvkit_mailbox_page_header", struct pvkit_mailbox_page_header, domid);
    F("pvkit_mailbox_page_header", struct pvkit_mailbox_page_header, nr_vcpus);
    F("pvkit_mailbox_page_header", struct pvkit_mailbox_page_header, pad);
    S("pvkit_mailbox", struct pvkit_mailbox);
    F("pvkit_mailbox", struct pvkit_mailbox, state); F("pvkit_mailbox", struct pvkit_mailbox, seq);
    F("pvkit_mailbox", struct pvkit_mailbox, op); F("pvkit_mailbox", struct pvkit_mailbox, args);
    F("pvkit_mailbox", struct pvkit_mailbox, result); F("pvkit_mailbox", struct pvkit_mailbox, rsp_seq);
    F("pvkit_mailbox", struct pvkit_mailbox, upcall_pending); F("pvkit_mailbox", struct pvkit_mailbox, gone);
    F("pvkit_mailbox", struct pvkit_mailbox, pad0); F("pvkit_mailbox", struct pvkit_mailbox, served);
    F("pvkit_mailbox", struct pvkit_mailbox, pad1);
    S("pvkit_hello", struct pvkit_hello);
    F("pvkit_hello", struct pvkit_hello, magic); F("pvkit_hello", struct pvkit_hello, version);
    F("pvkit_hello", struct pvkit_hello, vcpus); F("pvkit_hello", struct pvkit_hello, flags);
    F("pvkit_hello", struct pvkit_hello, frames); F("pvkit_hello", struct pvkit_hello, name);
    S("pvkit_welcome", struct pvkit_welcome);
    F("pvkit_welcome", struct pvkit_welcome, magic); F("pvkit_welcome", struct pvkit_welcome, version);
    F("pvkit_welcome", struct pvkit_welcome, status); F("pvkit_welcome", struct pvkit_welcome, domid);
    F("pvkit_welcome", struct pvkit_welcome, vcpus); F("pvkit_welcome", struct pvkit_welcome, pad0);
    F("pvkit_welcome", struct pvkit_welcome, frames); F("pvkit_welcome", struct pvkit_welcome, start_info_gpa);
    F("pvkit_welcome", struct pvkit_welcome, mailbox_bytes); F("pvkit_welcome", struct pvkit_welcome, pad1);

    /* CMSG_* macros against CmsghdrLayout.DATA_OFFSET / cmsgLen / cmsgSpace */
    printf("cmsg DATA_OFFSET %zu\n", (size_t)CMSG_LEN(0));
    printf("cmsg LEN4 %zu\n", (size_t)CMSG_LEN(4));
    printf("cmsg SPACE4 %zu\n", (size_t)CMSG_SPACE(4));
    printf("cmsg SPACE12 %zu\n", (size_t)CMSG_SPACE(12));

    C(MFD_CLOEXEC); C(MFD_ALLOW_SEALING); C(F_ADD_SEALS); C(F_GET_SEALS); C(F_SEAL_SEAL); C(F_SEAL_SHRINK);
    C(F_SEAL_GROW); C(F_SEAL_WRITE); C(PROT_READ); C(PROT_WRITE); C(MAP_SHARED); C(SEEK_END); C(AF_UNIX);
    C(SOCK_STREAM); C(SOCK_CLOEXEC); C(SOL_SOCKET); C(SCM_RIGHTS); C(MSG_NOSIGNAL); C(MSG_CTRUNC);
    C(MSG_CMSG_CLOEXEC); C(SHUT_RDWR); C(POLLIN); C(EPERM); C(EINTR); C(EAGAIN); C(EBUSY);
    C(SO_PEERCRED); C(SYS_pidfd_open); C(ESRCH);

    C(PVKIT_MAILBOX_MAGIC); C(PVKIT_SESSION_HELLO_MAGIC); C(PVKIT_SESSION_WELCOME_MAGIC); C(PVKIT_ABI_VERSION);
    C(PVKIT_MAILBOX_IDLE); C(PVKIT_MAILBOX_REQUEST); C(PVKIT_MAILBOX_RESPONSE); C(PVKIT_GONE_GUEST);
    C(PVKIT_GONE_HYPERVISOR); C(PVKIT_MAILBOX_MAX_VCPUS); C(PVKIT_MAILBOX_PAGE_BYTES);
    C(PVKIT_MAILBOX_OFFSET(0)); C(PVKIT_MAILBOX_OFFSET(30));
    return 0;
}
