/*
 * Time the reference forward pass exported to ONNX (bench/export_onnx.py) under ONNX Runtime Java:
 * the second peer, beside bench/pytorch_forward.py, for soundstorm4j's CPU forward benchmark.
 *
 * A single-file program, kept out of the Maven build (no dependency is added to pom.xml):
 *
 *   mvn -B -q dependency:copy -Dartifact=com.microsoft.onnxruntime:onnxruntime:1.29.0 -DoutputDirectory=target/ort
 *   /usr/bin/python3 bench/export_onnx.py --weights target/bench-model --out target/ort/bench-all.onnx --all-heads
 *   $JAVA --enable-native-access=ALL-UNNAMED -cp target/ort/onnxruntime-1.29.0.jar bench/OrtForward.java \
 *       --model target/ort/bench-all.onnx --frames 250 [--threads 2] [--warmup 2] [--repeats 7] [--json]
 *
 * Session: intra-op threads --threads (default 2), inter-op 1, sequential execution, graph
 * optimizations ALL (--opt basic|extended|all|none). Inputs: batch 1, --frames frames, drawn as
 * bench/pytorch_forward.py draws them for level 0 (level 0 half masked, finer levels the mask id;
 * a different generator, so not the same ids). Each timed pass is one session.run including the
 * output allocation, as in PyTorch. Reports median, min and max over --repeats timed passes after
 * --warmup untimed ones; --json prints one line of JSON (field forward_ms_median, as our bench).
 *
 *   ... bench/OrtForward.java --model FILE.onnx --check DIR [--tolerance 1e-4]
 * runs the parity case written by export_onnx.py --check-dir DIR (inputs + PyTorch's logits) and
 * prints the largest absolute difference; exit status 1 when it exceeds --tolerance.
 */

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class OrtForward {

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--json")) { opt.put("json", "true"); continue; }
            if (!a.startsWith("--") || i + 1 >= args.length) usage("bad argument " + a);
            opt.put(a.substring(2), args[++i]);
        }
        String model = opt.get("model");
        if (model == null) usage("--model is required");
        int threads = Integer.parseInt(opt.getOrDefault("threads", "2"));
        String level = opt.getOrDefault("opt", "all");

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setIntraOpNumThreads(threads);
        so.setInterOpNumThreads(1);
        so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        so.setOptimizationLevel(switch (level) {
            case "none" -> OrtSession.SessionOptions.OptLevel.NO_OPT;
            case "basic" -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
            case "extended" -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
            case "all" -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            default -> { usage("--opt must be none, basic, extended or all"); yield null; }
        });
        if (opt.containsKey("save-optimized")) so.setOptimizedModelFilePath(opt.get("save-optimized"));

        long t0 = System.nanoTime();
        try (OrtSession session = env.createSession(model, so)) {
            double loadMs = (System.nanoTime() - t0) / 1e6;
            long[] acShape = ((TensorInfo) session.getInputInfo().get("acoustic").getInfo()).getShape();
            long[] outShape = ((TensorInfo) session.getOutputInfo().get("logits").getInfo()).getShape();
            int q = metaInt(model, "num_quantizers", (int) acShape[2]);
            // The exporter leaves some output dimensions symbolic (-1): take C from FILE.onnx.json.
            int c = metaInt(model, "codebook_size", (int) outShape[outShape.length - 1]);
            if (c <= 0) usage("codebook size unknown: " + model + ".json (written by export_onnx.py) is missing");
            String heads = outShape.length == 4 ? "all" : "one";
            if (opt.containsKey("check")) {
                check(env, session, Path.of(opt.get("check")), q,
                        Double.parseDouble(opt.getOrDefault("tolerance", "1e-4")), heads, opt.containsKey("json"));
                return;
            }
            if (!opt.containsKey("frames")) usage("--frames is required (or --check DIR)");
            int frames = Integer.parseInt(opt.get("frames"));
            int warmup = Integer.parseInt(opt.getOrDefault("warmup", "2"));
            int repeats = Integer.parseInt(opt.getOrDefault("repeats", "7"));
            int semVocab = metaInt(model, "num_semantic_tokens", c);

            // Inputs as during decoding of level 0: level 0 half masked (mask id c), finer levels masked.
            SplittableRandom rnd = new SplittableRandom(Long.parseLong(opt.getOrDefault("seed", "0")));
            long[] acoustic = new long[frames * q];
            long[] semantic = new long[frames];
            for (int t = 0; t < frames; t++) {
                acoustic[t * q] = rnd.nextDouble() < 0.5 ? c : rnd.nextInt(c);
                for (int l = 1; l < q; l++) acoustic[t * q + l] = c;
                semantic[t] = rnd.nextInt(semVocab);
            }
            List<Double> times = new ArrayList<>();
            try (OnnxTensor ac = OnnxTensor.createTensor(env, LongBuffer.wrap(acoustic), new long[]{1, frames, q});
                 OnnxTensor se = OnnxTensor.createTensor(env, LongBuffer.wrap(semantic), new long[]{1, frames})) {
                Map<String, OnnxTensor> in = Map.of("acoustic", ac, "semantic", se);
                for (int i = 0; i < warmup + repeats; i++) {
                    long s = System.nanoTime();
                    try (OrtSession.Result r = session.run(in)) {
                        double ms = (System.nanoTime() - s) / 1e6;
                        if (i == 0) checkFinite((OnnxTensor) r.get(0));
                        if (i >= warmup) times.add(ms);
                    }
                }
            }
            double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int n = sorted.length;
            double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            if (opt.containsKey("json")) {
                System.out.printf(java.util.Locale.ROOT,
                        "{\"forward_ms_median\": %.3f, \"forward_ms_min\": %.3f, \"forward_ms_max\": %.3f, "
                                + "\"frames\": %d, \"batch\": 1, \"threads\": %d, \"heads\": \"%s\", \"level\": 0, "
                                + "\"warmup\": %d, \"repeats\": %d, \"ort_version\": \"%s\", \"optimization\": \"%s\", "
                                + "\"session_load_ms\": %.1f, \"model\": \"%s\", \"java\": \"%s\", \"cpu\": \"%s\"}%n",
                        median, sorted[0], sorted[n - 1], frames, threads, heads, warmup, repeats,
                        env.getVersion(), level, loadMs, esc(Path.of(model).toAbsolutePath().toString()),
                        esc(System.getProperty("java.version")), esc(cpuName()));
            } else {
                System.out.printf(java.util.Locale.ROOT,
                        "%s: %d frames, %d threads, heads %s, opt %s: forward median %.1f ms (min %.1f, max %.1f) "
                                + "over %d; ONNX Runtime %s, session load %.0f ms%n",
                        model, frames, threads, heads, level, median, sorted[0], sorted[n - 1], repeats,
                        env.getVersion(), loadMs);
            }
        }
    }

    /** Runs DIR/acoustic.i64 + DIR/semantic.i64 and compares with DIR/logits.f32 (PyTorch's). */
    static void check(OrtEnvironment env, OrtSession session, Path dir, int q, double tol, String heads,
                      boolean json) throws IOException, OrtException {
        long[] acoustic = readLongs(dir.resolve("acoustic.i64"));
        long[] semantic = readLongs(dir.resolve("semantic.i64"));
        float[] ref = readFloats(dir.resolve("logits.f32"));
        int frames = semantic.length;
        if (acoustic.length != frames * q) throw new IllegalArgumentException("acoustic.i64 is not [1, " + frames + ", " + q + "]");
        try (OnnxTensor ac = OnnxTensor.createTensor(env, LongBuffer.wrap(acoustic), new long[]{1, frames, q});
             OnnxTensor se = OnnxTensor.createTensor(env, LongBuffer.wrap(semantic), new long[]{1, frames});
             OrtSession.Result r = session.run(Map.of("acoustic", ac, "semantic", se))) {
            OnnxTensor out = (OnnxTensor) r.get(0);
            FloatBuffer got = out.getFloatBuffer();
            if (got.remaining() != ref.length)
                throw new IllegalArgumentException("logits " + Arrays.toString(out.getInfo().getShape())
                        + " vs " + ref.length + " reference values (exported with other heads?)");
            double maxDiff = 0, maxRef = 0;
            for (int i = 0; i < ref.length; i++) {
                float g = got.get(i);
                if (!Float.isFinite(g)) { maxDiff = Double.POSITIVE_INFINITY; break; }
                maxDiff = Math.max(maxDiff, Math.abs(g - ref[i]));
                maxRef = Math.max(maxRef, Math.abs(ref[i]));
            }
            boolean ok = maxDiff <= tol;
            if (json) {
                System.out.printf(java.util.Locale.ROOT,
                        "{\"check\": \"%s\", \"frames\": %d, \"heads\": \"%s\", \"shape\": \"%s\", \"max_abs_diff\": %.3e, "
                                + "\"max_abs_reference\": %.3f, \"tolerance\": %.1e, \"ok\": %b, \"ort_version\": \"%s\"}%n",
                        esc(dir.toString()), frames, heads, Arrays.toString(out.getInfo().getShape()), maxDiff, maxRef,
                        tol, ok, env.getVersion());
            } else {
                System.out.printf(java.util.Locale.ROOT,
                        "%s: %d frames, logits %s, heads %s: max |ORT - PyTorch| = %.3e (largest |logit| %.3f, tolerance %.1e) %s; ONNX Runtime %s%n",
                        dir, frames, Arrays.toString(out.getInfo().getShape()), heads, maxDiff, maxRef, tol,
                        ok ? "OK" : "FAIL", env.getVersion());
            }
            if (!ok) System.exit(1);
        }
    }

    static void checkFinite(OnnxTensor t) throws OrtException {
        FloatBuffer b = t.getFloatBuffer();
        for (int i = 0; i < b.remaining(); i++)
            if (!Float.isFinite(b.get(i))) throw new IllegalStateException("non-finite logit at " + i);
    }

    /** An integer of the model's config from the FILE.onnx.json that export_onnx.py writes; else fallback. */
    static int metaInt(String model, String key, int fallback) throws IOException {
        Path meta = Path.of(model + ".json");
        if (!Files.exists(meta)) return fallback;
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*(\\d+)").matcher(Files.readString(meta));
        return m.find() ? Integer.parseInt(m.group(1)) : fallback;
    }

    static long[] readLongs(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        long[] v = new long[b.remaining() / 8];
        b.asLongBuffer().get(v);
        return v;
    }

    static float[] readFloats(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).strip();
        } catch (IOException ignored) {
        }
        return System.getProperty("os.arch");
    }

    static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    static void usage(String why) {
        System.err.println(why + "\nusage: java -cp onnxruntime.jar bench/OrtForward.java --model FILE.onnx "
                + "(--frames N [--threads 2] [--warmup 2] [--repeats 7] [--opt all] [--seed 0] [--save-optimized FILE] [--json]"
                + " | --check DIR [--tolerance 1e-4] [--json])");
        System.exit(2);
    }
}
