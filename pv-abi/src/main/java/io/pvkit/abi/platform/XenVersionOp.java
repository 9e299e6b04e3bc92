package io.pvkit.abi.platform;

/**
 * Version sub-ops ({@code XENVER_*} in {@code xen/version.h}) of {@code __HYPERVISOR_xen_version(cmd, arg)}.
 */
public final class XenVersionOp {
    /** {@code XENVER_version}: no argument; returns {@code major << 16 | minor}. */
    public static final int VERSION = 0;
    /** {@code XENVER_extraversion}: {@code char[16]}. */
    public static final int EXTRAVERSION = 1;
    /** {@code XENVER_compile_info}. */
    public static final int COMPILE_INFO = 2;
    /** {@code XENVER_capabilities}: {@code char[1024]}. */
    public static final int CAPABILITIES = 3;
    /** {@code XENVER_changeset}: {@code char[64]}. */
    public static final int CHANGESET = 4;
    /** {@code XENVER_platform_parameters}. */
    public static final int PLATFORM_PARAMETERS = 5;
    /** {@code XENVER_get_features}: {@code {u32 submap_idx; u32 submap}}. */
    public static final int GET_FEATURES = 6;
    /** {@code XENVER_pagesize}. */
    public static final int PAGESIZE = 7;
    /** {@code XENVER_guest_handle}: 16-byte UUID. */
    public static final int GUEST_HANDLE = 8;
    /** {@code XENVER_commandline}. */
    public static final int COMMANDLINE = 9;
    /** {@code XENVER_build_id}. */
    public static final int BUILD_ID = 10;
    /** Bytes of the {@code XENVER_extraversion} buffer. */
    public static final int EXTRAVERSION_LENGTH = 16;

    private XenVersionOp() {
    }
}
