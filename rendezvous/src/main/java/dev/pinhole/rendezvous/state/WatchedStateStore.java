package dev.pinhole.rendezvous.state;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The running server's view of {@code state.json}: a snapshot in memory, so that logins and name lookups on the
 * event loops never touch the disk. One thread of its own writes the file ({@link #updateLater}) and polls it for
 * changes made by other processes ({@code token revoke}, {@code names release}), comparing content
 * ({@link FileStateStore#read}); each new state goes to the listener, which cuts revoked tokens off
 * (docs/security.md, "Limits and data safety: tokens, names, state").
 */
public final class WatchedStateStore implements StateStore, AutoCloseable {
    /**
     * How often the file is read for changes: {@code token revoke} promises a cut within 2 s, and a poll every
     * half second leaves the rest for the cut to cross both event loops on a loaded machine. Reading and hashing a
     * small file twice a second costs nothing measurable.
     */
    public static final long POLL_MILLIS = 500;

    private final FileStateStore file;
    private final Consumer<String> log;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread t = new Thread(runnable, "rendezvous-state");
        t.setDaemon(true);
        return t;
    });
    private volatile State snapshot;
    private Consumer<State> listener = state -> {};
    /** The last read failure logged, so that a broken file is reported once, not twice a second. */
    private String lastProblem;

    public WatchedStateStore(FileStateStore file, Consumer<String> log) {
        this.file = file;
        this.log = log;
    }

    /** Reads the file for the first time; a corrupt file stops the server here, before anything writes to it. */
    public synchronized State load() throws IOException {
        if (snapshot == null) {
            snapshot = file.read();
        }
        return snapshot;
    }

    /** From now on, polls the file and hands every new state to {@code onChange} (on the state thread). */
    public synchronized void watch(Consumer<State> onChange) {
        this.listener = onChange;
        thread.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public State read() throws IOException {
        State current = snapshot;
        return current != null ? current : load();
    }

    @Override
    public synchronized State update(UnaryOperator<State> change) throws IOException {
        load();
        State next = file.update(change);
        publish(next);
        return next;
    }

    @Override
    public CompletableFuture<State> updateLater(UnaryOperator<State> change) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return update(change);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, thread);
    }

    /** A token created a moment ago by {@code token create} is known before the next poll: a login looks again. */
    @Override
    public CompletableFuture<State> reread() {
        return CompletableFuture.supplyAsync(() -> {
            poll();
            return snapshot;
        }, thread);
    }

    private void poll() {
        try {
            State read;
            synchronized (this) {
                read = file.read();
                lastProblem = null;
            }
            publish(read);
        } catch (IOException e) {
            if (!e.getMessage().equals(lastProblem)) {
                lastProblem = e.getMessage();
                log.accept("keeping the last good state: " + e.getMessage());
            }
        } catch (RuntimeException e) {
            log.accept("state listener failed: " + e); // the poll must go on: it is what cuts revoked tokens off
        }
    }

    private synchronized void publish(State next) {
        if (next != snapshot) {
            snapshot = next;
            listener.accept(next);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
