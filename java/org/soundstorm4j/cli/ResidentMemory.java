package org.soundstorm4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * This process's resident memory from {@code /proc/self/status} (Linux): {@code VmRSS} now and
 * {@code VmHWM}, its peak so far, in bytes; -1 where the file or field is missing.
 */
record ResidentMemory(long residentBytes, long peakBytes) {
    static ResidentMemory now() {
        long rss = -1;
        long hwm = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line);
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kib(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc unreadable: report unknown
        }
        return new ResidentMemory(rss, hwm);
    }

    private static long kib(String line) {
        String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        return Long.parseLong(parts[0]) * 1024;
    }

    boolean known() {
        return residentBytes >= 0;
    }

    /** "resident 1234.5 MiB (peak 1300.0 MiB)", or "resident memory unknown". */
    String text() {
        if (!known()) {
            return "resident memory unknown";
        }
        return String.format(Locale.ROOT, "resident %.1f MiB (peak %.1f MiB)", residentBytes / 1048576.0,
                peakBytes / 1048576.0);
    }
}
