package io.pvkit.grant;

import io.pvkit.abi.grant.GrantFlags;


/**
 * One read of a {@code grant_entry_v1}: the flags+domid word read atomically, and the frame.
 *
 * @param ref the grant reference that was read
 * @param flags the 16-bit {@code flags} field (GTF_*)
 * @param domid the 16-bit {@code domid} field: the domain the entry grants access to
 * @param frame the 32-bit {@code frame} field (a guest frame number of the granter), unsigned
 */
public record GrantEntrySnapshot(int ref, int flags, int domid, long frame) {

    /**
     * Whether the entry is a {@code GTF_permit_access} grant.
     *
     * @return true when the type bits are {@code GTF_permit_access}
     */
    public boolean permitsAccess() {
        return (flags & GrantFlags.TYPE_MASK) == GrantFlags.PERMIT_ACCESS;
    }

    /**
     * Whether the granter restricted the grant to read-only access ({@code GTF_readonly}).
     *
     * @return true for a read-only grant
     */
    public boolean readOnly() {
        return (flags & GrantFlags.READONLY) != 0;
    }

    /**
     * Whether the hypervisor reports the grant as mapped or being copied ({@code GTF_reading} or
     * {@code GTF_writing}); such an entry cannot be revoked.
     *
     * @return true while the grantee uses the frame
     */
    public boolean inUse() {
        return (flags & (GrantFlags.READING | GrantFlags.WRITING)) != 0;
    }
}
