import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.soundstorm4j.backend.ProfilingBackend;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.codec.CodecConfig;
import org.soundstorm4j.weights.DType;
import org.soundstorm4j.weights.SafeTensorsWriter;

/**
 * Times {@code Codec.decode} of random codes with SpeechTokenizer's released shapes (n_filters 64,
 * strides [8,5,4,2], dimension 1024, 8 levels) on the CPU backend. The weights are the fill
 * formula of tests/resources/codec/README.md (decoder and codebooks only), written once as a
 * converted folder (config.json + model.safetensors, ~270 MB) under the given directory. The
 * peer is bench/codec_decode_torch.py. Run from the repository root after
 * {@code mvn -B package -DskipTests}:
 * {@code java --add-modules jdk.incubator.vector -Xmx2g -cp target/soundstorm4j.jar bench/CodecDecodeBench.java /tmp/codec-bench 1500 1 3}
 * (folder, frames, warm-up runs, timed runs; a fifth argument {@code profile} times each op through
 * {@code ProfilingBackend} instead, which serialises nothing but adds a clock read per op). Prints one line per run and a summary with the
 * real-time factor (decode time / audio time) and the heap's peak use. With {@code -Dcodec=encodec}
 * it times EnCodec's 24 kHz shapes instead (N 32, D 128, 32 levels; 2250 frames = 30 s), in a
 * folder of its own; a folder written for the other codec is refused.
 */
public class CodecDecodeBench {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/codec-bench");
        int frames = args.length > 1 ? Integer.parseInt(args[1]) : 1500;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        String codecName = System.getProperty("codec", "speechtokenizer");
        CodecConfig config = switch (codecName) {
            case "speechtokenizer" -> CodecConfig.speechTokenizer();
            case "encodec" -> CodecConfig.encodec24khz();
            default -> throw new IllegalArgumentException("-Dcodec must be speechtokenizer or encodec, not " + codecName);
        };
        if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
            write(dir, config);
        } else if (!CodecConfig.read(dir.resolve("config.json")).equals(config)) {
            throw new IllegalArgumentException(dir + " holds another codec than " + codecName + ": give another folder");
        }
        int threads = Runtime.getRuntime().availableProcessors();
        boolean profile = args.length > 4 && args[4].equals("profile");
        ProfilingBackend profiler = profile ? new ProfilingBackend(new CpuBackend(threads)) : null;
        try (Codec codec = Codec.load(dir, profile ? profiler : new CpuBackend(threads))) {
            SplittableRandom random = new SplittableRandom(11);
            int[][][] codes = new int[config.nQ()][1][frames];
            for (int[][] level : codes) {
                for (int t = 0; t < frames; t++) {
                    level[0][t] = random.nextInt(config.codebookSize());
                }
            }
            double audio = (double) frames * config.hop() / config.sampleRate();
            for (int i = 0; i < warmup; i++) {
                long t0 = System.nanoTime();
                codec.decode(codes);
                System.out.printf("warm-up %d: %.3f s%n", i, (System.nanoTime() - t0) / 1e9);
            }
            if (profile) {
                profiler.reset();
            }
            double[] times = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                long t0 = System.nanoTime();
                float[][] wav = codec.decode(codes);
                times[i] = (System.nanoTime() - t0) / 1e9;
                System.out.printf("run %d: %.3f s (%d samples)%n", i, times[i], wav[0].length);
            }
            if (profile) {
                System.out.print("per op over the timed runs:\n" + profiler.report());
            }
            Arrays.sort(times);
            double median = times[repeats / 2];
            long peak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    peak += pool.getPeakUsage().getUsed();
                }
            }
            System.out.printf(codecName + " decode, cpu backend, %d threads (%s): %d frames = %.1f s of audio; median %.3f s "
                            + "(min %.3f, max %.3f) over %d runs; real-time factor %.3f (%.1fx faster than real time); "
                            + "slice %d frames; heap pools' peaks summed %.0f MB (an over-estimate: pools peak at different times), -Xmx %.0f MB%n",
                    threads, System.getProperty("java.vm.version"), frames, audio, median, times[0],
                    times[repeats - 1], repeats, median / audio, audio / median, codec.sliceFrames(1), peak / 1e6,
                    Runtime.getRuntime().maxMemory() / 1e6);
        }
    }

    /** config.json and the decode path's tensors by the README's fill formula. */
    static void write(Path dir, CodecConfig config) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), config.toJson());
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (Map.Entry<String, long[]> e : expected(config).entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            w.add(e.getKey(), DType.F32, e.getValue(), fill(e.getKey(), n));
        }
        w.write(dir.resolve("model.safetensors"));
    }

    /** The decode's keys and shapes for SEANet with one residual block per stage. */
    static Map<String, long[]> expected(CodecConfig c) {
        Map<String, long[]> m = new java.util.LinkedHashMap<>();
        for (int q = 0; q < c.nQ(); q++) {
            m.put("quantizer.vq.layers." + q + "._codebook.embed", new long[] {c.codebookSize(), c.dimension()});
        }
        int h = c.lstmWidth();
        conv(m, "decoder.model.0.conv.conv", c.dimension(), h, 7);
        for (int l = 0; l < c.lstmLayers(); l++) {
            String p = "decoder.model.1.lstm.";
            m.put(p + "weight_ih_l" + l, new long[] {4L * h, h});
            m.put(p + "weight_hh_l" + l, new long[] {4L * h, h});
            m.put(p + "bias_ih_l" + l, new long[] {4L * h});
            m.put(p + "bias_hh_l" + l, new long[] {4L * h});
        }
        for (int s = 0; s < c.stages(); s++) {
            int cin = c.stageChannels(s);
            int cout = cin / 2;
            String t = "decoder.model." + (3 + 3 * s) + ".convtr.convtr";
            m.put(t + ".bias", new long[] {cout});
            m.put(t + ".weight_g", new long[] {cin, 1, 1});
            m.put(t + ".weight_v", new long[] {cin, cout, 2L * c.stride(s)});
            String r = "decoder.model." + (4 + 3 * s) + ".";
            conv(m, r + "block.1.conv.conv", cout, cout / 2, c.residualKernelSize());
            conv(m, r + "block.3.conv.conv", cout / 2, cout, 1);
            conv(m, r + "shortcut.conv.conv", cout, cout, 1);
        }
        conv(m, "decoder.model." + (3 + 3 * c.stages()) + ".conv.conv", c.nFilters(), 1, 7);
        return m;
    }

    static void conv(Map<String, long[]> m, String p, int cin, int cout, int k) {
        m.put(p + ".bias", new long[] {cout});
        m.put(p + ".weight_g", new long[] {cout, 1, 1});
        m.put(p + ".weight_v", new long[] {cout, cin, k});
    }

    static float[] fill(String name, long count) {
        long seed = 0xCBF29CE484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            seed = (seed ^ (b & 0xff)) * 0x100000001B3L;
        }
        double scale = name.endsWith("weight_g") ? 0.5 : name.endsWith("weight_v") ? 1 : name.contains(".lstm.")
                ? 0x1p-5 : name.endsWith("._codebook.embed") ? 1 : name.endsWith(".bias") ? 0x1p-4 : 1;
        float[] v = new float[Math.toIntExact(count)];
        for (int i = 0; i < v.length; i++) {
            long z = seed + (i + 1L) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            double u = (z >>> 40) * 0x1p-23 - 1;
            v[i] = name.endsWith("weight_g") ? (float) (0.5 + Math.abs(scale * u)) : (float) (scale * u);
        }
        return v;
    }
}
