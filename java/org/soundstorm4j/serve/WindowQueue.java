package org.soundstorm4j.serve;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.soundstorm4j.engine.GenerationListener;

/**
 * A request's finished windows, handed from the engine's thread (which every pass waits for, so it
 * only queues them) to the exchange's thread, which writes them out, then an end mark once the
 * request's future completes either way.
 */
final class WindowQueue implements GenerationListener {
    /** One finished window: its index, its first frame in the output, its tokens {@code [frames][levels]}. */
    record Window(int index, int frameOffset, int[][] tokens) {
    }

    private static final Object END = new Object();
    private final LinkedBlockingQueue<Object> items = new LinkedBlockingQueue<>();
    private int windows;

    @Override
    public void onWindow(int frameOffset, int[][] tokens) {
        items.add(new Window(windows++, frameOffset, tokens));
    }

    /** Puts the end mark after the last window once {@code future} completes. */
    void endWith(CompletableFuture<?> future) {
        future.whenComplete((result, failure) -> items.add(END));
    }

    /** The next window, or null once the request has ended (waits until one of the two). */
    Window take() throws InterruptedException {
        Object next = items.take();
        return next == END ? null : (Window) next;
    }
}
