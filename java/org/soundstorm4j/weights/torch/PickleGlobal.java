package org.soundstorm4j.weights.torch;

/**
 * A reference to a Python global as a pickle's GLOBAL opcode names it; never resolved to code,
 * only compared against an allow list.
 *
 * @param module the module, e.g. {@code torch._utils}
 * @param name   the attribute, e.g. {@code _rebuild_tensor_v2}
 */
public record PickleGlobal(String module, String name) {
    @Override
    public String toString() {
        return module + "." + name;
    }
}
