package org.soundstorm4j.backend.opencl;

import static org.lwjgl.opencl.CL10.CL_SUCCESS;

import org.soundstorm4j.backend.NativeLibraries;

/** Error checking and the availability probe for the OpenCL backend. */
final class OpenCl {
    private OpenCl() {
    }

    /** Throws naming the call and the OpenCL error code unless {@code err} is CL_SUCCESS. */
    static void check(int err, String what) {
        if (err != CL_SUCCESS) {
            throw new IllegalStateException(what + " failed: OpenCL error " + err + " (" + name(err) + ")");
        }
    }

    /** Why OpenCL cannot run here, or null if at least one device is there. */
    static String unavailableReason() {
        String missing = libraryMissing();
        if (missing != null) {
            return missing;
        }
        try {
            return ClDevice.all().isEmpty() ? "no OpenCL platform or device found" : null;
        } catch (LinkageError | RuntimeException e) {
            return "the OpenCL library cannot be loaded (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); on Debian install ocl-icd-opencl-dev and an ICD such as pocl-opencl-icd";
        }
    }

    /**
     * Why the OpenCL library LWJGL would open is not there, or null if it is. Looked up without
     * loading LWJGL, whose native library would make JDK 25 print a restricted-method warning.
     */
    static String libraryMissing() {
        String library = System.getProperty("org.lwjgl.opencl.libname");
        boolean found = library != null ? NativeLibraries.findable(library)
                : NativeLibraries.findable("libOpenCL.so") || NativeLibraries.findable("libOpenCL.so.1");
        return found ? null : "no OpenCL library (" + (library == null ? "libOpenCL.so" : library)
                + ") is installed; on Debian install ocl-icd-opencl-dev and an ICD such as pocl-opencl-icd";
    }

    private static String name(int err) {
        return switch (err) {
            case -1 -> "DEVICE_NOT_FOUND";
            case -2 -> "DEVICE_NOT_AVAILABLE";
            case -4 -> "MEM_OBJECT_ALLOCATION_FAILURE";
            case -5 -> "OUT_OF_RESOURCES";
            case -6 -> "OUT_OF_HOST_MEMORY";
            case -11 -> "BUILD_PROGRAM_FAILURE";
            case -30 -> "INVALID_VALUE";
            case -38 -> "INVALID_MEM_OBJECT";
            case -46 -> "INVALID_KERNEL_NAME";
            case -48 -> "INVALID_KERNEL";
            case -49 -> "INVALID_ARG_INDEX";
            case -50 -> "INVALID_ARG_VALUE";
            case -51 -> "INVALID_ARG_SIZE";
            case -52 -> "INVALID_KERNEL_ARGS";
            case -54 -> "INVALID_WORK_GROUP_SIZE";
            case -55 -> "INVALID_WORK_ITEM_SIZE";
            case -61 -> "INVALID_BUFFER_SIZE";
            case -63 -> "INVALID_GLOBAL_WORK_SIZE";
            default -> "see cl.h";
        };
    }
}
