package org.soundstorm4j.serve;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.StepPlan;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.io.Json;

/**
 * The JSON body of {@code POST /v1/generate}, read strictly: every problem is an
 * {@link IllegalArgumentException} naming the field and the position (a 400). Only {@code semantic}
 * is required; the defaults are the CLI's ({@code generate}).
 *
 * <pre>{@code
 * {"semantic": [ids], "prompt_semantic": [ids], "prompt_acoustic": [[ids per level] per frame],
 *  "preset": "paper"|"fast", "steps": [per level], "temperature": 1.0, "top_k": 0,
 *  "choice_temperature": 4.5, "seed": 0, "window": 1500, "window_prompt": 150, "timeout_ms": n}
 * }</pre>
 *
 * @param timeout how long the client waits, or null: past it the request fails with 504
 */
record GenerateBody(Utterance utterance, GenerationConfig config, Duration timeout) {
    private static final Set<String> FIELDS = Set.of("semantic", "prompt_semantic", "prompt_acoustic", "preset", "steps",
            "temperature", "top_k", "choice_temperature", "seed", "window", "window_prompt", "timeout_ms");

    static GenerateBody parse(String text) {
        if (!(Json.parse(text) instanceof Map<?, ?> body)) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        for (Object key : body.keySet()) {
            if (!FIELDS.contains(key)) {
                throw new IllegalArgumentException("unknown field \"" + key + "\" (known: " + String.join(", ",
                        FIELDS.stream().sorted().toList()) + ")");
            }
        }
        if (!body.containsKey("semantic")) {
            throw new IllegalArgumentException("\"semantic\" is required: the semantic ids to generate from");
        }
        Utterance u = Utterance.of(ints(body.get("semantic"), "semantic"));
        boolean hasPromptSemantic = body.get("prompt_semantic") != null;
        if (hasPromptSemantic != (body.get("prompt_acoustic") != null)) {
            throw new IllegalArgumentException("\"prompt_semantic\" and \"prompt_acoustic\" go together");
        }
        if (hasPromptSemantic) {
            u = u.withPrompt(ints(body.get("prompt_semantic"), "prompt_semantic"), frames(body.get("prompt_acoustic")));
        }
        if (body.get("preset") != null && body.get("steps") != null) {
            throw new IllegalArgumentException("give \"preset\" or \"steps\", not both");
        }
        GenerationConfig c = GenerationConfig.paper();
        if (body.get("preset") != null) {
            c = GenerationConfig.preset(string(body.get("preset"), "preset"));
        }
        if (body.get("steps") != null) {
            c = c.withSteps(StepPlan.explicit(ints(body.get("steps"), "steps")));
        }
        if (body.get("temperature") != null) {
            c = c.withTemperature((float) number(body.get("temperature"), "temperature"));
        }
        if (body.get("top_k") != null) {
            c = c.withTopK(integer(body.get("top_k"), "top_k"));
        }
        if (body.get("choice_temperature") != null) {
            c = c.withChoiceTemperature((float) number(body.get("choice_temperature"), "choice_temperature"));
        }
        if (body.get("seed") != null) {
            if (!(body.get("seed") instanceof Long seed)) {
                throw new IllegalArgumentException("\"seed\" must be an integer, got " + shown(body.get("seed")));
            }
            c = c.withSeed(seed);
        }
        int window = body.get("window") != null ? integer(body.get("window"), "window") : c.windowFrames();
        int windowPrompt = body.get("window_prompt") != null ? integer(body.get("window_prompt"), "window_prompt")
                : c.windowPromptFrames();
        c = c.withWindow(window, windowPrompt);
        Duration timeout = null;
        if (body.get("timeout_ms") != null) {
            int ms = integer(body.get("timeout_ms"), "timeout_ms");
            if (ms <= 0) {
                throw new IllegalArgumentException("\"timeout_ms\" must be positive, got " + ms);
            }
            timeout = Duration.ofMillis(ms);
        }
        return new GenerateBody(u, c, timeout);
    }

    /** A value as JSON, cut short: an error message must not echo a whole body. */
    private static String shown(Object v) {
        String s = Json.writeLine(v);
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static String string(Object v, String field) {
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string, got " + shown(v));
        }
        return s;
    }

    private static double number(Object v, String field) {
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("\"" + field + "\" must be a number, got " + shown(v));
        }
        return n.doubleValue();
    }

    private static int integer(Object v, String field) {
        if (!(v instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("\"" + field + "\" must be a 32-bit integer, got " + shown(v));
        }
        return (int) (long) l;
    }

    private static int[] ints(Object v, String field) {
        if (!(v instanceof List<?> list)) {
            throw new IllegalArgumentException("\"" + field + "\" must be an array of integers, got "
                    + shown(v));
        }
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(list.get(i), field + "[" + i + "]");
        }
        return out;
    }

    private static int[][] frames(Object v) {
        if (!(v instanceof List<?> list)) {
            throw new IllegalArgumentException("\"prompt_acoustic\" must be an array of frames (arrays of ids per level)");
        }
        int[][] out = new int[list.size()][];
        for (int t = 0; t < out.length; t++) {
            out[t] = ints(list.get(t), "prompt_acoustic[" + t + "]");
        }
        return out;
    }
}
