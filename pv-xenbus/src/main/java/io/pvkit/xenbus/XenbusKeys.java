package io.pvkit.xenbus;

/**
 * The xenstore keys of a xenbus device that Linux's xenbus and the toolstack use (Linux
 * {@code drivers/xen/xenbus}, Xen {@code docs/misc/xenstore-paths.pandoc}), and the paths the toolstack
 * lays out. A device class adds its own keys (the block device: {@code sectors}, {@code feature-*}...).
 */
public final class XenbusKeys {
    /** In the frontend directory: the backend directory's absolute path. */
    public static final String BACKEND = "backend";
    /** In the frontend directory: the backend's domain id (decimal). */
    public static final String BACKEND_ID = "backend-id";
    /** In the backend directory: the frontend directory's absolute path. */
    public static final String FRONTEND = "frontend";
    /** In the backend directory: the frontend's domain id (decimal). */
    public static final String FRONTEND_ID = "frontend-id";
    /** In both directories: the end's {@link io.pvkit.abi.xenstore.XenbusState} as a decimal number. */
    public static final String STATE = "state";
    /** Written by the frontend: the grant reference of the shared ring page (decimal). */
    public static final String RING_REF = "ring-ref";
    /** Written by the frontend: its unbound event channel port for the backend (decimal). */
    public static final String EVENT_CHANNEL = "event-channel";
    /** Written by the frontend: the ring ABI of its requests ({@value #PROTOCOL_X86_64}). */
    public static final String PROTOCOL = "protocol";
    /** The value of {@link #PROTOCOL} for x86_64 guests ({@code XEN_IO_PROTO_ABI_X86_64}). */
    public static final String PROTOCOL_X86_64 = "x86_64-abi";
    /** The first domain id that is not a real domain ({@code DOMID_FIRST_RESERVED}). */
    public static final int DOMID_FIRST_RESERVED = 0x7FF0;

    private XenbusKeys() {
    }

    /**
     * A domain's home.
     *
     * @param domid the domain
     * @return {@code /local/domain/<domid>}
     */
    public static String home(int domid) {
        return "/local/domain/" + domid;
    }

    /**
     * Where the toolstack puts a frontend directory.
     *
     * @param frontendDomid the guest
     * @param deviceType e.g. {@code vbd}, {@code pvkit-echo}
     * @param devid the device number
     * @return {@code /local/domain/<frontendDomid>/device/<deviceType>/<devid>}
     */
    public static String frontendPath(int frontendDomid, String deviceType, int devid) {
        return home(frontendDomid) + "/device/" + deviceType + "/" + devid;
    }

    /**
     * Where the toolstack puts a backend directory.
     *
     * @param backendDomid the backend's domain
     * @param deviceType e.g. {@code vbd}, {@code pvkit-echo}
     * @param frontendDomid the guest
     * @param devid the device number
     * @return {@code /local/domain/<backendDomid>/backend/<deviceType>/<frontendDomid>/<devid>}
     */
    public static String backendPath(int backendDomid, String deviceType, int frontendDomid, int devid) {
        return home(backendDomid) + "/backend/" + deviceType + "/" + frontendDomid + "/" + devid;
    }
}
