package io.pvkit.grant;

/**
 * One element of GNTTABOP_copy ({@code struct gnttab_copy}'s inputs). Each side is either a grant
 * reference in {@code domid}'s table (flag {@code GNTCOPY_source_gref} / {@code GNTCOPY_dest_gref}) or,
 * with {@code domid == DOMID_SELF}, a frame of the caller's own memory.
 *
 * @param sourceRefOrGfn the source grant reference, or the caller's source frame
 * @param sourceDomid the domain whose table holds the source reference, or DOMID_SELF
 * @param sourceOffset the byte offset in the source frame (u16)
 * @param destRefOrGfn the destination grant reference, or the caller's destination frame
 * @param destDomid the domain whose table holds the destination reference, or DOMID_SELF
 * @param destOffset the byte offset in the destination frame (u16)
 * @param length the number of bytes (u16); offset + length must not cross the 4096-byte frame
 * @param flags GNTCOPY_* bits
 */
public record GrantCopy(long sourceRefOrGfn, int sourceDomid, int sourceOffset, long destRefOrGfn, int destDomid,
                        int destOffset, int length, int flags) {
}
