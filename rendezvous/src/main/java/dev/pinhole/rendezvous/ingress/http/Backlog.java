package dev.pinhole.rendezvous.ingress.http;

import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Decoded requests (and pieces of their bodies) of one visitor waiting their turn at {@link HttpProxyHandler}.
 * Reading stops as soon as one waits, but one read already decoded may hold over a thousand tiny pipelined
 * requests; browsers do not pipeline, so a visitor that queues more than {@link #MAX} is closed.
 */
final class Backlog {
    /** Enough for any client that pipelines politely (curl sends a handful), small enough to cost nothing. */
    static final int MAX = 64;

    private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>();

    /** False when this was one too many: the caller closes the connection (what waits is released). */
    boolean add(HttpObject msg) {
        waiting.add(msg);
        if (waiting.size() > MAX) {
            clear();
            return false;
        }
        return true;
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    HttpObject poll() {
        return waiting.poll();
    }

    void clear() {
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
    }
}
