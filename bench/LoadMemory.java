import java.nio.file.*;
import java.util.*;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.model.*;

/**
 * Load time and resident memory as the pre-fix {@code bench} held them (the checkpoint open for the
 * whole run), read from /proc/self/status after load and after one forward pass: how the "before"
 * figures in docs/BENCHMARKS.md were taken, since bench printed no memory figures then. Run from
 * the repository root:
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp target/soundstorm4j.jar bench/LoadMemory.java WEIGHTS FRAMES</pre>
 */
public class LoadMemory {
    static String status() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS") || l.startsWith("VmHWM") || l.startsWith("RssAnon") || l.startsWith("RssFile")) {
                sb.append(l.replaceAll("\\s+", " ")).append("; ");
            }
        }
        Runtime r = Runtime.getRuntime();
        sb.append("heap committed ").append(r.totalMemory() >> 20).append(" MiB");
        return sb.toString();
    }
    public static void main(String[] a) throws Exception {
        Path w = Path.of(a[0]);
        int frames = Integer.parseInt(a[1]);
        long t0 = System.nanoTime();
        try (Checkpoint ckpt = Checkpoint.open(w); CpuBackend be = new CpuBackend()) {
            Conformer m = new Conformer(ckpt, be);
            System.out.printf("load %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            System.out.println("after load: " + status());
            ModelConfig c = ckpt.config();
            Random rnd = new Random(1234);
            int[] tok = new int[frames * c.numQuantizers()];
            Arrays.fill(tok, c.maskId());
            int[] sem = rnd.ints(frames, 0, c.numSemanticTokens()).toArray();
            long t1 = System.nanoTime();
            m.logits(tok, sem, new int[] {frames}, 1, frames, 0);
            System.out.printf("forward %.0f ms%n", (System.nanoTime() - t1) / 1e6);
            System.out.println("after forward: " + status());
        }
    }
}
