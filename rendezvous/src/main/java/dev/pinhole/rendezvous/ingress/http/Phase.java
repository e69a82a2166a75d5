package dev.pinhole.rendezvous.ingress.http;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where one visitor connection of {@link HttpProxyHandler} stands. Exchanges run one at a time (see "HTTP by
 * name" in docs/ingress-and-dashboard.md), so one phase says it all: which request is being served, and by whom.
 * Every change goes through {@link #to}, which refuses a change the handler never makes, so that a mix-up (a
 * response ending while its stream is still being opened, say) fails loudly instead of leaving the connection
 * in a state nobody wrote down.
 */
enum Phase {
    /** Between exchanges: the next request may come (keep-alive). */
    IDLE,
    /** A request waits for a new stream to its service; what the visitor sends after it waits in the queue. */
    OPENING,
    /** The request goes to the service; its response has not begun. */
    FORWARDING,
    /** An interim (1xx) response passes to the visitor; the final one follows. */
    INTERIM,
    /** The service's final response passes to the visitor. */
    RESPONDING,
    /** The service's response is complete, before the request's body: the rest of the body still goes to it. */
    RESPONDED,
    /** A page of ours answered the request; the rest of its body is read and dropped. */
    DISCARDING,
    /** The service answered an upgrade request with 101; once that response is through, the codecs go. */
    UPGRADING,
    /** The codecs are being removed (raw bytes they still held are collected), then the two are spliced. */
    SPLICED,
    /** The connection is being closed; whatever still comes is dropped. */
    CLOSING;

    /** Whether the service has the request and its response is still to come or coming. */
    boolean responsePending() {
        return this == FORWARDING || this == INTERIM || this == RESPONDING || this == UPGRADING;
    }

    /**
     * The phase after a change to {@code next}. Closing is allowed from everywhere (the visitor may leave at any
     * moment) and is final: a write that fails closes the connection through {@code exceptionCaught} while the
     * handler is still in the middle of a step (passing the last piece of a response, say), and the change that
     * step ends with then means nothing. Under a splice a close changes nothing either: the handler is leaving
     * the pipeline, and the bytes the codecs still give up must be collected all the same.
     *
     * @throws IllegalPhaseChange for a change the handler never makes
     */
    Phase to(Phase next) {
        if (this == CLOSING || (this == SPLICED && next == CLOSING)) {
            return this;
        }
        if (next != CLOSING && !successors().contains(next)) {
            throw new IllegalPhaseChange(this, next);
        }
        return next;
    }

    /** The phases a change may lead to, besides {@link #CLOSING}: a new set, the caller's to change. */
    Set<Phase> successors() {
        return switch (this) {
            case IDLE -> EnumSet.of(OPENING, FORWARDING, DISCARDING);
            case OPENING -> EnumSet.of(FORWARDING, DISCARDING);
            // IDLE: a page of ours answered a request that had ended (the service closed without answering).
            case FORWARDING -> EnumSet.of(INTERIM, RESPONDING, UPGRADING, DISCARDING, IDLE);
            // FORWARDING: the interim response ended; DISCARDING, IDLE: an invalid response before any final one
            // gets a page of ours.
            case INTERIM -> EnumSet.of(FORWARDING, DISCARDING, IDLE);
            case RESPONDING -> EnumSet.of(RESPONDED, IDLE);
            case RESPONDED, DISCARDING -> EnumSet.of(IDLE);
            case UPGRADING -> EnumSet.of(SPLICED);
            case SPLICED, CLOSING -> EnumSet.noneOf(Phase.class);
        };
    }

    /** A change {@link #to} refuses: a bug in the handler, which closes the connection and reports it. */
    static final class IllegalPhaseChange extends IllegalStateException {
        IllegalPhaseChange(Phase from, Phase to) {
            super("phase change: " + from + " -> " + to + " (expected: " + from + " -> one of " + allowed(from) + ")");
        }

        private static Set<Phase> allowed(Phase from) {
            Set<Phase> allowed = from.successors();
            allowed.add(CLOSING);
            return allowed;
        }
    }
}
