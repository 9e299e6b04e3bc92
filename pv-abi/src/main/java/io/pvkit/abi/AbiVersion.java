package io.pvkit.abi;

/**
 * A Xen interface version ({@code __XEN_INTERFACE_VERSION__}), e.g. {@code 0x00040e00} for Xen 4.14+.
 *
 * @param value the version as Xen encodes it: {@code major << 16 | minor << 8 | micro}
 */
public record AbiVersion(int value) implements Comparable<AbiVersion> {
    /** The interface version pvkit's layouts follow ({@code __XEN_LATEST_INTERFACE_VERSION__} of Xen 4.17). */
    public static final AbiVersion CURRENT = new AbiVersion(0x00040e00);

    @Override
    public int compareTo(AbiVersion other) {
        return Integer.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return String.format("0x%08x", value);
    }
}
