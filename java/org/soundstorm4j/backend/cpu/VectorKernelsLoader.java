package org.soundstorm4j.backend.cpu;

/**
 * Loads {@link VectorKernels} by name, so that classes referring to {@code jdk.incubator.vector}
 * are linked only when that module is in the boot layer.
 */
final class VectorKernelsLoader {
    private VectorKernelsLoader() {
    }

    static CpuKernels load() {
        try {
            return (CpuKernels) Class.forName("org.soundstorm4j.backend.cpu.VectorKernels")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the Vector API kernels", e);
        }
    }
}
