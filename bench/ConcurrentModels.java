import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.Utterance;

/**
 * Two SoundStorm instances generating at once from two threads on the CPU backend, against one
 * alone (docs/BENCHMARKS.md, "Two models in one JVM"). Run from the repository root:
 * {@code java --add-modules jdk.incubator.vector -cp target/soundstorm4j.jar bench/ConcurrentModels.java weights/trained 200 15}
 * (model directory, semantic frames, repeats).
 */
public class ConcurrentModels {
    static double timeSolo(SoundStorm a, Utterance u, GenerationConfig cfg) {
        long t0 = System.nanoTime();
        a.generate(u, cfg);
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Both generate at once, from two threads; the time until both are done. */
    static double timePair(SoundStorm a, SoundStorm b, Utterance u, GenerationConfig cfg) throws InterruptedException {
        long t0 = System.nanoTime();
        Thread ta = Thread.ofPlatform().start(() -> a.generate(u, cfg));
        Thread tb = Thread.ofPlatform().start(() -> b.generate(u, cfg));
        ta.join();
        tb.join();
        return (System.nanoTime() - t0) / 1e6;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int semanticFrames = Integer.parseInt(args[1]);
        int repeats = Integer.parseInt(args[2]);
        int[] sem = new Random(1).ints(semanticFrames, 0, 32).toArray();
        Utterance u = Utterance.of(sem);
        GenerationConfig cfg = GenerationConfig.paper().withSeed(7);
        try (SoundStorm a = SoundStorm.load(dir, "cpu"); SoundStorm b = SoundStorm.load(dir, "cpu")) {
            System.out.println(a.backendDescription());
            for (int i = 0; i < 2; i++) { a.generate(u, cfg); b.generate(u, cfg); } // warm-up
            // solo and pair alternate, each pair timed against the solo runs either side of it, so
            // load from other processes that comes and goes cancels out of the ratio
            double[] solo = new double[repeats + 1];
            double[] pair = new double[repeats];
            double[] ratio = new double[repeats];
            solo[0] = timeSolo(a, u, cfg);
            for (int i = 0; i < repeats; i++) {
                pair[i] = timePair(a, b, u, cfg);
                solo[i + 1] = timeSolo(a, u, cfg);
                ratio[i] = pair[i] / ((solo[i] + solo[i + 1]) / 2);
            }
            Arrays.sort(solo); Arrays.sort(pair); Arrays.sort(ratio);
            System.out.printf("solo: median %.1f ms (min %.1f, max %.1f)%n", solo[repeats / 2], solo[0], solo[repeats]);
            System.out.printf("two at once: median %.1f ms for both (min %.1f, max %.1f)%n", pair[repeats / 2], pair[0], pair[repeats - 1]);
            System.out.printf("two at once / one alone, per adjacent runs: median %.2fx (quartiles %.2f-%.2f; 2.0x = the cores shared perfectly)%n",
                    ratio[repeats / 2], ratio[repeats / 4], ratio[3 * repeats / 4]);
        }
    }
}
