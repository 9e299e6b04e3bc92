/** pv-kvm internals: libc downcalls, KVM numbers and ioctl structure layouts, the vCPU loop. */
package io.pvkit.kvm.internal;
