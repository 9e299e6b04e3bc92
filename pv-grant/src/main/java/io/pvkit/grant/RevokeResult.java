package io.pvkit.grant;

/**
 * The outcome of {@link GuestGrantTable#endAccess(int)}.
 */
public enum RevokeResult {
    /**
     * The entry is invalid now and the grantee can never map or copy it again: the page may be reused
     * and the reference went back to the free list.
     */
    REVOKED,
    /**
     * The grantee still has the frame mapped (or a copy is in progress): {@code GTF_reading} or
     * {@code GTF_writing} was set. The grant is unchanged; the caller must not free or reuse the page
     * and may retry later (Linux defers and retries; XSA-396).
     */
    STILL_IN_USE
}
