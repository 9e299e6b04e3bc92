package io.pvkit.process;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MailboxLayoutTest {
    @Test
    void shouldMatchPvkitMailboxHeaderOffsets() {
        assertEquals(128, MailboxLayout.SIZE);
        assertEquals(64, MailboxLayout.LAYOUT.byteAlignment());
        assertEquals(0, MailboxLayout.STATE_OFFSET);
        assertEquals(4, MailboxLayout.SEQ_OFFSET);
        assertEquals(8, MailboxLayout.OP_OFFSET);
        assertEquals(16, MailboxLayout.ARGS_OFFSET);
        assertEquals(56, MailboxLayout.RESULT_OFFSET);
        assertEquals(64, MailboxLayout.RSP_SEQ_OFFSET);
        assertEquals(68, MailboxLayout.UPCALL_PENDING_OFFSET);
        assertEquals(72, MailboxLayout.GONE_OFFSET);
        assertEquals(80, MailboxLayout.SERVED_OFFSET);
        assertEquals(64, MailboxLayout.PAGE_HEADER.byteSize());
        assertEquals(0, MailboxLayout.MAGIC_OFFSET);
        assertEquals(4, MailboxLayout.VERSION_OFFSET);
        assertEquals(8, MailboxLayout.DOMID_OFFSET);
        assertEquals(12, MailboxLayout.NR_VCPUS_OFFSET);
        assertEquals(64, MailboxLayout.mailboxOffset(0));
        assertEquals(64 + 128 * 30, MailboxLayout.mailboxOffset(30));
        assertEquals(4096, MailboxLayout.mailboxOffset(30) + MailboxLayout.SIZE + 64, "31 mailboxes leave 64 bytes");
        assertThrows(IllegalArgumentException.class, () -> MailboxLayout.mailboxOffset(31));
        assertThrows(IllegalArgumentException.class, () -> MailboxLayout.mailboxOffset(-1));
    }

    @Test
    void shouldMatchSessionMessageOffsets() {
        assertEquals(64, SessionHelloLayout.SIZE);
        assertEquals(8, SessionHelloLayout.VCPUS_OFFSET);
        assertEquals(12, SessionHelloLayout.FLAGS_OFFSET);
        assertEquals(16, SessionHelloLayout.FRAMES_OFFSET);
        assertEquals(24, SessionHelloLayout.NAME_OFFSET);
        assertEquals(64, SessionWelcomeLayout.SIZE);
        assertEquals(8, SessionWelcomeLayout.STATUS_OFFSET);
        assertEquals(12, SessionWelcomeLayout.DOMID_OFFSET);
        assertEquals(16, SessionWelcomeLayout.VCPUS_OFFSET);
        assertEquals(24, SessionWelcomeLayout.FRAMES_OFFSET);
        assertEquals(32, SessionWelcomeLayout.START_INFO_GPA_OFFSET);
        assertEquals(40, SessionWelcomeLayout.MAILBOX_BYTES_OFFSET);
    }

    @Test
    void shouldMatchLinuxSocketStructOffsets() {
        assertEquals(16, IovecLayout.SIZE);
        assertEquals(8, IovecLayout.IOV_LEN_OFFSET);
        assertEquals(56, MsghdrLayout.SIZE);
        assertEquals(8, MsghdrLayout.MSG_NAMELEN_OFFSET);
        assertEquals(16, MsghdrLayout.MSG_IOV_OFFSET);
        assertEquals(24, MsghdrLayout.MSG_IOVLEN_OFFSET);
        assertEquals(32, MsghdrLayout.MSG_CONTROL_OFFSET);
        assertEquals(40, MsghdrLayout.MSG_CONTROLLEN_OFFSET);
        assertEquals(48, MsghdrLayout.MSG_FLAGS_OFFSET);
        assertEquals(16, CmsghdrLayout.SIZE);
        assertEquals(8, CmsghdrLayout.CMSG_LEVEL_OFFSET);
        assertEquals(12, CmsghdrLayout.CMSG_TYPE_OFFSET);
        assertEquals(20, CmsghdrLayout.cmsgLen(4));
        assertEquals(24, CmsghdrLayout.cmsgSpace(8));
        assertEquals(32, CmsghdrLayout.cmsgSpace(12));
        assertEquals(110, SockaddrUnLayout.SIZE);
        assertEquals(2, SockaddrUnLayout.SUN_PATH_OFFSET);
        assertEquals(8, PollfdLayout.SIZE);
        assertEquals(6, PollfdLayout.REVENTS_OFFSET);
    }
}
