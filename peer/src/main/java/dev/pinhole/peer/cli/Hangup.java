package dev.pinhole.peer.cli;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import sun.misc.Signal;

/**
 * SIGHUP, the signal a service manager sends for "reload" ({@code systemctl reload}), for {@code peer up}. Without a
 * handler the JVM treats it as a request to exit; with this one it asks each running {@code peer up} to reload.
 * {@code sun.misc.Signal} is the JDK's one way to catch a signal; where it is missing or the signal does not exist
 * (Windows), {@link #watch} says so and the file's changes still reload.
 */
final class Hangup {
    private static final List<Runnable> LISTENERS = new CopyOnWriteArrayList<>();
    /** Null until the handler is installed; then empty, or why it could not be. */
    private static String unavailable;

    private Hangup() {}

    /**
     * Runs {@code reload} on each SIGHUP until the returned registration is closed.
     *
     * @return the registration, and (in {@link Registration#unavailable}) why SIGHUP cannot be caught, or null
     */
    static synchronized Registration watch(Runnable reload) {
        if (unavailable == null) {
            try {
                Signal.handle(new Signal("HUP"), signal -> LISTENERS.forEach(Runnable::run));
                unavailable = "";
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                unavailable = e.toString();
            }
        }
        LISTENERS.add(reload);
        return new Registration(reload, unavailable.isEmpty() ? null : unavailable);
    }

    record Registration(Runnable reload, String unavailable) implements AutoCloseable {
        @Override
        public void close() {
            LISTENERS.remove(reload);
        }
    }
}
