package org.soundstorm4j.backend.opencl;

import static org.lwjgl.opencl.CL10.CL_DEVICE_NAME;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE_ALL;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE_GPU;
import static org.lwjgl.opencl.CL10.CL_PLATFORM_NAME;
import static org.lwjgl.opencl.CL10.CL_SUCCESS;
import static org.lwjgl.opencl.CL10.clGetDeviceIDs;
import static org.lwjgl.opencl.CL10.clGetDeviceInfo;
import static org.lwjgl.opencl.CL10.clGetPlatformIDs;
import static org.lwjgl.opencl.CL10.clGetPlatformInfo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

/**
 * An OpenCL device and its platform.
 *
 * @param gpu whether the device reports CL_DEVICE_TYPE_GPU
 */
record ClDevice(long platform, long device, String platformName, String name, boolean gpu) {

    /** Every OpenCL device of every platform, in platform order. */
    static List<ClDevice> all() {
        List<ClDevice> out = new ArrayList<>();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            int[] count = new int[1];
            if (clGetPlatformIDs(null, count) != CL_SUCCESS || count[0] == 0) {
                return out;
            }
            PointerBuffer platforms = stack.mallocPointer(count[0]);
            OpenCl.check(clGetPlatformIDs(platforms, (int[]) null), "clGetPlatformIDs");
            for (int p = 0; p < platforms.capacity(); p++) {
                long platform = platforms.get(p);
                String platformName = platformString(platform, CL_PLATFORM_NAME);
                int[] n = new int[1];
                if (clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, null, n) != CL_SUCCESS || n[0] == 0) {
                    continue;
                }
                PointerBuffer devices = stack.mallocPointer(n[0]);
                OpenCl.check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, devices, (int[]) null), "clGetDeviceIDs");
                for (int d = 0; d < devices.capacity(); d++) {
                    long device = devices.get(d);
                    long[] type = new long[1];
                    OpenCl.check(clGetDeviceInfo(device, CL_DEVICE_TYPE, type, null), "clGetDeviceInfo(TYPE)");
                    out.add(new ClDevice(platform, device, platformName, deviceString(device, CL_DEVICE_NAME),
                            (type[0] & CL_DEVICE_TYPE_GPU) != 0));
                }
            }
        }
        return out;
    }

    /**
     * The device {@code choice} names: null or empty for the default (the first GPU, else the first
     * device), a number for that index in {@link #all()}, otherwise the first device whose
     * platform or device name contains it (case-insensitive).
     */
    static ClDevice choose(String choice) {
        List<ClDevice> devices = all();
        if (devices.isEmpty()) {
            throw new IllegalStateException("no OpenCL device found (is an OpenCL driver installed? on Debian, "
                    + "pocl-opencl-icd runs OpenCL on the CPU)");
        }
        if (choice == null || choice.isBlank()) {
            return devices.stream().filter(ClDevice::gpu).findFirst().orElse(devices.getFirst());
        }
        if (choice.chars().allMatch(Character::isDigit)) {
            int i = Integer.parseInt(choice);
            if (i >= devices.size()) {
                throw new IllegalArgumentException("OpenCL device " + i + " does not exist; devices: " + devices);
            }
            return devices.get(i);
        }
        String wanted = choice.toLowerCase(java.util.Locale.ROOT);
        return devices.stream()
                .filter(d -> (d.platformName + " " + d.name).toLowerCase(java.util.Locale.ROOT).contains(wanted))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no OpenCL device matches '" + choice + "'; devices: "
                        + devices));
    }

    private static String platformString(long platform, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            OpenCl.check(clGetPlatformInfo(platform, param, (ByteBuffer) null, size), "clGetPlatformInfo");
            ByteBuffer buf = stack.malloc((int) size.get(0));
            OpenCl.check(clGetPlatformInfo(platform, param, buf, null), "clGetPlatformInfo");
            return text(buf);
        }
    }

    static String deviceString(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            OpenCl.check(clGetDeviceInfo(device, param, (ByteBuffer) null, size), "clGetDeviceInfo");
            ByteBuffer buf = stack.malloc((int) size.get(0));
            OpenCl.check(clGetDeviceInfo(device, param, buf, null), "clGetDeviceInfo");
            return text(buf);
        }
    }

    private static String text(ByteBuffer buf) {
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8).trim();
    }

    @Override
    public String toString() {
        return name + " (" + platformName + (gpu ? ", GPU" : "") + ")";
    }
}
