package org.soundstorm4j.model;

/** How the Conformer's output becomes one level's logits. */
public enum LogitHead {
    /**
     * The public checkpoint's head: {@code Linear(d, d*Q)}, level q's d-slice, one LayerNorm
     * shared by all levels, then level q's {@code [d, C]} matrix and bias.
     */
    PROJECTED("projected"),
    /** The paper's head: one dense layer {@code [d, C]} per level, straight from the Conformer. */
    DENSE("dense");

    private final String jsonName;

    LogitHead(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name used in {@code config.json}. */
    public String jsonName() {
        return jsonName;
    }

    static LogitHead fromJsonName(String name) {
        for (LogitHead h : values()) {
            if (h.jsonName.equals(name)) {
                return h;
            }
        }
        throw new IllegalArgumentException("logit_head must be \"projected\" or \"dense\", not \"" + name + "\"");
    }
}
