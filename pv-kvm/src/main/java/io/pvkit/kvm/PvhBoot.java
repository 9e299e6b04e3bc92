package io.pvkit.kvm;

/**
 * Where {@link KvmVm#loadPvh(java.nio.file.Path, String)} put a PVH kernel.
 *
 * @param entry the 32-bit entry point from the kernel's {@code XEN_ELFNOTE_PHYS32_ENTRY} note
 * @param startInfoGpa the guest-physical address of the {@code hvm_start_info} (the guest's {@code ebx})
 * @param imageStart the lowest guest-physical address the image occupies
 * @param imageEnd one past the highest guest-physical address the image occupies (including its bss)
 */
public record PvhBoot(long entry, long startInfoGpa, long imageStart, long imageEnd) {
}
